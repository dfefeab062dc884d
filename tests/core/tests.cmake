xsd_test(core_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/draft_test.cc ${CMAKE_CURRENT_LIST_DIR}/sampling_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/acceptance_test.cc ${CMAKE_CURRENT_LIST_DIR}/stats_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/tree_builder_test.cc)
