xsd_test(vision_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/clip_vision_tower_test.cc ${CMAKE_CURRENT_LIST_DIR}/visual_encoder_test.cc)
