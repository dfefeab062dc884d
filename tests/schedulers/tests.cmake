xsd_test(scheduler_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lossless_test.cc ${CMAKE_CURRENT_LIST_DIR}/stochastic_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/prefill_hiding_test.cc ${CMAKE_CURRENT_LIST_DIR}/adaptive_gamma_test.cc)
