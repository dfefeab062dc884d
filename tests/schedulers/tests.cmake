xsd_test(scheduler_tests SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/lossless_test.cc ${CMAKE_CURRENT_LIST_DIR}/stochastic_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/prefill_hiding_test.cc ${CMAKE_CURRENT_LIST_DIR}/adaptive_gamma_test.cc)
# Real drafters on tiny real models (LLaMA, EAGLE, hidden-state heads,
# EventGPT with its adapters): losslessness at scale.
if(TARGET xsd_models AND TARGET xsd_io AND TARGET xsd_tokenizer)
  xsd_test(lossless_real_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/lossless_real_test.cc)
endif()
# Stochastic SD with real drafters (LLaMA, EAGLE chains and trees, the
# threaded prefill-hiding lane): the output distribution is the target's.
xsd_test(distribution_real_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/distribution_real_test.cc)
# Injected faults in every scheduler (mock and real components).
xsd_test(fault_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/fault_test.cc)
