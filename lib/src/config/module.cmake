xsd_module(config TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry.cc ${CMAKE_CURRENT_LIST_DIR}/pipeline.cc ${CMAKE_CURRENT_LIST_DIR}/device.cc
          ${CMAKE_CURRENT_LIST_DIR}/builtin_components.cc
  DEPS xsd_proto)
