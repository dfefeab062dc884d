# The config layer, libxsd's composition root: the registry, pipelines built
# from .pbtxt configs, and the component factories (components/) that turn
# proto options into the components' plain C++ options. The only module that
# reads proto/xsd/pipeline.proto (tools/check_layers.sh enforces it).
set(_components ${CMAKE_CURRENT_LIST_DIR}/components)
xsd_module(config TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry.cc ${CMAKE_CURRENT_LIST_DIR}/pipeline.cc ${CMAKE_CURRENT_LIST_DIR}/device.cc
          ${CMAKE_CURRENT_LIST_DIR}/kernel_config.cc
          ${_components}/builtin.cc ${_components}/checks.cc ${_components}/mock.cc ${_components}/llama.cc
          ${_components}/vision.cc ${_components}/adapters.cc ${_components}/eagle.cc
  DEPS xsd_proto nlohmann_json::nlohmann_json)
target_include_directories(xsd_config PRIVATE ${CMAKE_CURRENT_LIST_DIR})
