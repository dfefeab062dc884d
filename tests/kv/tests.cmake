xsd_test(kv_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/kv_cache_test.cc)
