# Training in libtorch (autograd on the CPU, mixed precision on CUDA): the
# shared loop (AdamW, cosine schedule, checkpoints, resume), paired-feature
# extraction and shards, and the trainers of adapters and decode heads. The
# models trained are the runtime's own modules, rebuilt each step from the
# trainable leaves (parameters.h).
xsd_module(training TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/parameters.cc ${CMAKE_CURRENT_LIST_DIR}/adamw.cc
          ${CMAKE_CURRENT_LIST_DIR}/train_loop.cc ${CMAKE_CURRENT_LIST_DIR}/feature_set.cc
          ${CMAKE_CURRENT_LIST_DIR}/adapter_training.cc ${CMAKE_CURRENT_LIST_DIR}/extraction.cc
          ${CMAKE_CURRENT_LIST_DIR}/multimodal_training.cc ${CMAKE_CURRENT_LIST_DIR}/eagle_training.cc
  DEPS nlohmann_json::nlohmann_json)
