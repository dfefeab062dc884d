xsd_module(base NOTORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/status.cc ${CMAKE_CURRENT_LIST_DIR}/logging.cc ${CMAKE_CURRENT_LIST_DIR}/rng.cc
  PRIVATE_DEPS spdlog::spdlog fmt::fmt)
