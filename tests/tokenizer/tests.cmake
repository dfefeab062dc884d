xsd_test(tokenizer_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/encode_parity_test.cc ${CMAKE_CURRENT_LIST_DIR}/decode_parity_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/streaming_test.cc ${CMAKE_CURRENT_LIST_DIR}/special_tokens_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/bpe_rules_test.cc ${CMAKE_CURRENT_LIST_DIR}/bad_inputs_test.cc)
