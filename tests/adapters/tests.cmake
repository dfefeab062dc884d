xsd_test(adapters_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/adapter_spec_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/adapter_parity_test.cc ${CMAKE_CURRENT_LIST_DIR}/hidden_head_test.cc)
