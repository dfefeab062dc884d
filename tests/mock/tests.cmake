xsd_test(mock_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/scripted_lm_test.cc ${CMAKE_CURRENT_LIST_DIR}/noisy_oracle_test.cc)
