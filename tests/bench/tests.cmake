# apps/bench's library-like pieces (xsd_bench_lib) and the binary end to end.
if(TARGET xsd_bench_lib)
  xsd_test(bench_tests SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/bench_binary_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/config_set_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/cost_model_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/dataset_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/jsonl_store_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/merge_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/options_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/progress_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/report_markdown_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/system_info_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/research_keys_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/shard_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/summary_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/world_set_test.cc)
  target_link_libraries(bench_tests PRIVATE xsd_bench_lib)
  target_compile_definitions(bench_tests PRIVATE XSD_BENCH_BINARY="$<TARGET_FILE:xsd_bench>")
  add_dependencies(bench_tests xsd_bench)
  # Faults around the bench's files: a full disk, SIGKILL at every stage, resume and merge.
  xsd_test(bench_faults_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_faults_test.cc)
  target_link_libraries(bench_faults_tests PRIVATE xsd_bench_lib)
  target_compile_definitions(bench_faults_tests PRIVATE XSD_BENCH_BINARY="$<TARGET_FILE:xsd_bench>")
  add_dependencies(bench_faults_tests xsd_bench)
  if(XSD_WITH_OPENCV)  # the bench draws its PNG charts only with OpenCV
    target_compile_definitions(bench_faults_tests PRIVATE XSD_BENCH_WITH_CHARTS=1)
  endif()
  # The real configs end to end, and the driving world read as a dataset:
  # need the vision models and the scene writers (media, OpenCV).
  if(TARGET xsd_vision AND TARGET xsd_media)
    target_sources(bench_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/real_models_test.cc
                   ${CMAKE_CURRENT_LIST_DIR}/world_dataset_test.cc)
  endif()
endif()
# The committed small trained world (configs/world): its models through the
# bench's config set on held-out scenes (their MP4 and PNG files: media, OpenCV).
if(TARGET xsd_bench_lib AND TARGET xsd_media)
  xsd_test(world_models_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/world_models_test.cc)
  target_link_libraries(world_models_tests PRIVATE xsd_bench_lib)
  target_compile_definitions(world_models_tests PRIVATE XSD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
