xsd_module(kv TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/kv_cache.cc ${CMAKE_CURRENT_LIST_DIR}/kv_cache_pool.cc)
