xsd_module(mock TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/scripted_lm.cc ${CMAKE_CURRENT_LIST_DIR}/mock_verifier.cc ${CMAKE_CURRENT_LIST_DIR}/scripted_drafter.cc
          ${CMAKE_CURRENT_LIST_DIR}/noisy_oracle_drafter.cc
)
