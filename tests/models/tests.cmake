xsd_test(models_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/llama_model_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_rope_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_weights_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_verifier_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_pipeline_test.cc)
