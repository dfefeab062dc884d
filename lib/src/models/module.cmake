# The LLaMA decoder and what it is built from: weight sources, RoPE,
# attention over the KV cache, decoder layers, the text-only verifier and
# drafter. Composed by vision (Video-LLaVA, EventGPT) and EAGLE.
xsd_module(models TORCH
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/weights_store.cc ${CMAKE_CURRENT_LIST_DIR}/weights_map.cc
    ${CMAKE_CURRENT_LIST_DIR}/weights_checkpoint.cc ${CMAKE_CURRENT_LIST_DIR}/weights_loading.cc
    ${CMAKE_CURRENT_LIST_DIR}/rope.cc ${CMAKE_CURRENT_LIST_DIR}/attention.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_config.cc ${CMAKE_CURRENT_LIST_DIR}/llama_config_json.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_rms_norm.cc ${CMAKE_CURRENT_LIST_DIR}/llama_mlp.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_attention.cc ${CMAKE_CURRENT_LIST_DIR}/llama_decoder_layer.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_model.cc ${CMAKE_CURRENT_LIST_DIR}/llama_presets.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_loading.cc ${CMAKE_CURRENT_LIST_DIR}/llama_verifier.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_drafter.cc ${CMAKE_CURRENT_LIST_DIR}/row_invariant_cpu.cc
    ${CMAKE_CURRENT_LIST_DIR}/llama_prompt.cc ${CMAKE_CURRENT_LIST_DIR}/llama_step_runner.cc ${CMAKE_CURRENT_LIST_DIR}/linear.cc
    ${CMAKE_CURRENT_LIST_DIR}/fused_kernels.cc ${CMAKE_CURRENT_LIST_DIR}/kernel_options.cc
  DEPS nlohmann_json::nlohmann_json)
if(TARGET xsd_kernels)
  target_compile_definitions(xsd_models PRIVATE XSD_WITH_CUDA_KERNELS=1)
endif()
# Row-invariant CPU numerics: every multiply and add rounded on its own, in
# every code path of the file (no contraction into fused multiply-adds where
# the target has them), so a row's bits do not depend on how it was reached.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/row_invariant_cpu.cc PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
