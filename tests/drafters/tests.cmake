xsd_test(drafters_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/eagle_test.cc)
