xsd_test(models_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/llama_model_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_rope_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_weights_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_verifier_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_pipeline_test.cc)
# Parity with transformers (fixtures from tools/fixtures/make_llama_fixtures.py)
# and config.json parsing need the io module (safetensors, JSON).
if(EXISTS ${PROJECT_SOURCE_DIR}/lib/src/io/module.cmake)
  target_sources(models_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/llama_config_test.cc)
  xsd_test(models_parity_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/llama_parity_test.cc LABELS parity transformers)
endif()
