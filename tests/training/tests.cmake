xsd_test(training_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/adapter_training_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/feature_set_test.cc ${CMAKE_CURRENT_LIST_DIR}/extraction_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/trainable_modules_test.cc ${CMAKE_CURRENT_LIST_DIR}/eagle_training_test.cc)
xsd_test(training_cuda_tests CUDA_CASES SOURCES ${CMAKE_CURRENT_LIST_DIR}/training_cuda_test.cc)
