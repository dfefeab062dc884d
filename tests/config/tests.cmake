xsd_test(config_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipeline_config_test.cc)
