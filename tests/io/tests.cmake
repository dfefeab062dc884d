xsd_test(io_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/safetensors_test.cc ${CMAKE_CURRENT_LIST_DIR}/safetensors_malformed_test.cc
                          ${CMAKE_CURRENT_LIST_DIR}/checkpoint_test.cc ${CMAKE_CURRENT_LIST_DIR}/json_file_test.cc
                          ${CMAKE_CURRENT_LIST_DIR}/python_fixture_test.cc)
