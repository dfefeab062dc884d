xsd_module(adapters TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/adapter_spec.cc ${CMAKE_CURRENT_LIST_DIR}/adapter_layers.cc
          ${CMAKE_CURRENT_LIST_DIR}/hidden_adapter.cc ${CMAKE_CURRENT_LIST_DIR}/adapter_dims.cc
  DEPS nlohmann_json::nlohmann_json)
