# Multimodal models: CLIP vision tower, projectors, Video-LLaVA verifier,
# EventGPT drafter, random checkpoints. Builds on the models module (LLaMA
# decoder, weight sources), io (config.json, safetensors), tokenizer and, when
# OpenCV is on, media (decoding videos and event images).
set(_vision_sources
  ${CMAKE_CURRENT_LIST_DIR}/nn_ops.cc ${CMAKE_CURRENT_LIST_DIR}/clip_vision_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/clip_vision_tower.cc ${CMAKE_CURRENT_LIST_DIR}/projector.cc
  ${CMAKE_CURRENT_LIST_DIR}/multimodal_merge.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_pooling.cc
  ${CMAKE_CURRENT_LIST_DIR}/video_llava_visual_encoder.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_visual_encoder.cc
  ${CMAKE_CURRENT_LIST_DIR}/draft_head.cc)
# The models themselves need config.json parsing, checkpoints and the tokenizer.
if(TARGET xsd_io AND TARGET xsd_models AND TARGET xsd_tokenizer)
  list(APPEND _vision_sources
    ${CMAKE_CURRENT_LIST_DIR}/clip_vision_config_json.cc ${CMAKE_CURRENT_LIST_DIR}/video_llava_config.cc
    ${CMAKE_CURRENT_LIST_DIR}/eventgpt_config.cc ${CMAKE_CURRENT_LIST_DIR}/multimodal_inputs.cc
    ${CMAKE_CURRENT_LIST_DIR}/video_llava_model.cc ${CMAKE_CURRENT_LIST_DIR}/video_llava_verifier.cc
    ${CMAKE_CURRENT_LIST_DIR}/eventgpt_model.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_drafter.cc
    ${CMAKE_CURRENT_LIST_DIR}/checkpoint_plan.cc ${CMAKE_CURRENT_LIST_DIR}/random_checkpoint.cc)
endif()
xsd_module(vision TORCH SOURCES ${_vision_sources} DEPS nlohmann_json::nlohmann_json)
if(TARGET xsd_media)
  target_compile_definitions(xsd_vision PRIVATE XSD_VISION_WITH_MEDIA=1)
  target_link_libraries(xsd_vision PRIVATE ${OpenCV_LIBS})  # headers only: cv::Mat
endif()
