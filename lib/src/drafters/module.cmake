xsd_module(drafters TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hidden_head_drafter.cc ${CMAKE_CURRENT_LIST_DIR}/eagle_head.cc
          ${CMAKE_CURRENT_LIST_DIR}/eagle_drafter.cc
)
