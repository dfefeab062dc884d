# The driving world without files (no OpenCV: runs in every build).
xsd_test(world_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/driving_scene_test.cc ${CMAKE_CURRENT_LIST_DIR}/driving_questions_test.cc)

if(XSD_WITH_OPENCV)
  xsd_test(media_tests SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/pil_resize_test.cc ${CMAKE_CURRENT_LIST_DIR}/clip_preprocess_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/image_io_test.cc ${CMAKE_CURRENT_LIST_DIR}/video_frames_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/synthetic_scene_test.cc ${CMAKE_CURRENT_LIST_DIR}/driving_world_test.cc)
endif()
