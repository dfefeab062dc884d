xsd_test(models_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/llama_config_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_model_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_rope_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_weights_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_verifier_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_pipeline_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/llama_checkpoint_test.cc ${CMAKE_CURRENT_LIST_DIR}/llama_step_runner_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/kernel_options_test.cc ${CMAKE_CURRENT_LIST_DIR}/row_invariant_cpu_test.cc)
# Cases that need a CUDA device (skipped by ctest where none exists, failed
# with -DXSD_REQUIRE_CUDA=ON); the fused-kernel cases need the kernels too.
xsd_test(models_cuda_tests CUDA_CASES SOURCES ${CMAKE_CURRENT_LIST_DIR}/llama_cuda_test.cc)
xsd_test(models_cuda_kernel_tests CUDA_CASES NEEDS_KERNELS SOURCES ${CMAKE_CURRENT_LIST_DIR}/cuda_kernels_test.cc)
# Parity with transformers: fixtures from tools/fixtures/make_llama_fixtures.py
# (tools/fixtures/README.md); while they are absent the cases WARN and pass.
xsd_test(models_parity_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/llama_parity_test.cc LABELS parity transformers)
