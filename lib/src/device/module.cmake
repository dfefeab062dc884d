xsd_module(device TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/device_info.cc)
if(XSD_TORCH_HAS_CUDA)
  target_compile_definitions(xsd_device PRIVATE XSD_WITH_CUDA=1)
endif()
