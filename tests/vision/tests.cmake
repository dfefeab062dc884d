set(_vision_tests ${CMAKE_CURRENT_LIST_DIR}/clip_vision_tower_test.cc ${CMAKE_CURRENT_LIST_DIR}/visual_encoder_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/placeholder_media_test.cc)
# The models (Video-LLaVA, EventGPT) need the LLaMA decoder, checkpoints and the tokenizer.
if(TARGET xsd_models AND TARGET xsd_io AND TARGET xsd_tokenizer)
  list(APPEND _vision_tests ${CMAKE_CURRENT_LIST_DIR}/video_llava_test.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/parity_test.cc ${CMAKE_CURRENT_LIST_DIR}/config_checkpoint_test.cc)
  # End to end through the registry on a synthetic scene (decoded with OpenCV).
  if(TARGET xsd_media)
    list(APPEND _vision_tests ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cc)
  endif()
endif()
xsd_test(vision_tests SOURCES ${_vision_tests})
# The multimodal models on CUDA (skipped by ctest where no device exists).
if(TARGET xsd_models AND TARGET xsd_io AND TARGET xsd_tokenizer)
  xsd_test(vision_cuda_tests CUDA_CASES SOURCES ${CMAKE_CURRENT_LIST_DIR}/cuda_test.cc)
endif()
