# Multimodal models: CLIP vision tower, projectors, Video-LLaVA verifier,
# EventGPT drafter. Builds on the models module (LLaMA decoder, weight sources).
xsd_module(vision TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/nn_ops.cc ${CMAKE_CURRENT_LIST_DIR}/clip_vision_config.cc
          ${CMAKE_CURRENT_LIST_DIR}/clip_vision_tower.cc ${CMAKE_CURRENT_LIST_DIR}/projector.cc
          ${CMAKE_CURRENT_LIST_DIR}/multimodal_merge.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_pooling.cc
          ${CMAKE_CURRENT_LIST_DIR}/video_llava_visual_encoder.cc ${CMAKE_CURRENT_LIST_DIR}/eventgpt_visual_encoder.cc)
