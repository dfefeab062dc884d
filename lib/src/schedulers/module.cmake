xsd_module(schedulers NOTORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/generation_state.cc ${CMAKE_CURRENT_LIST_DIR}/autoregressive.cc
          ${CMAKE_CURRENT_LIST_DIR}/speculative.cc ${CMAKE_CURRENT_LIST_DIR}/prefill_hiding.cc
          ${CMAKE_CURRENT_LIST_DIR}/lane_worker.cc
  DEPS Threads::Threads)
