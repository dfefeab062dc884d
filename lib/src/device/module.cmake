# What a run ran on (CUDA devices, memory, driver) and the CUDA building
# blocks the models use without seeing CUDA types (graphs, host fences).
xsd_module(device TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/device_info.cc ${CMAKE_CURRENT_LIST_DIR}/cuda_graph.cc)
if(XSD_TORCH_HAS_CUDA)
  target_compile_definitions(xsd_device PRIVATE XSD_WITH_CUDA=1)
endif()
