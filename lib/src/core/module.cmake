xsd_module(core NOTORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/draft.cc ${CMAKE_CURRENT_LIST_DIR}/sampling.cc ${CMAKE_CURRENT_LIST_DIR}/greedy_acceptance.cc
          ${CMAKE_CURRENT_LIST_DIR}/stochastic_acceptance.cc ${CMAKE_CURRENT_LIST_DIR}/stats.cc
          ${CMAKE_CURRENT_LIST_DIR}/tree_builder.cc)
