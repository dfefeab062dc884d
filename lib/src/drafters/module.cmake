xsd_module(drafters TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hidden_head_drafter.cc)
