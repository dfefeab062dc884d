xsd_module(io TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/safetensors_format.cc ${CMAKE_CURRENT_LIST_DIR}/safetensors_file.cc
          ${CMAKE_CURRENT_LIST_DIR}/safetensors_writer.cc ${CMAKE_CURRENT_LIST_DIR}/atomic_file.cc
          ${CMAKE_CURRENT_LIST_DIR}/checkpoint_reader.cc ${CMAKE_CURRENT_LIST_DIR}/checkpoint_writer.cc
          ${CMAKE_CURRENT_LIST_DIR}/json_file.cc
  DEPS nlohmann_json::nlohmann_json)
