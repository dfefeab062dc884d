xsd_module(tokenizer NOTORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/shared_vocabulary.cc ${CMAKE_CURRENT_LIST_DIR}/utf8.cc ${CMAKE_CURRENT_LIST_DIR}/spm_model.cc ${CMAKE_CURRENT_LIST_DIR}/charsmap.cc
          ${CMAKE_CURRENT_LIST_DIR}/symbol_matcher.cc ${CMAKE_CURRENT_LIST_DIR}/spm_normalizer.cc
          ${CMAKE_CURRENT_LIST_DIR}/bpe_segmenter.cc ${CMAKE_CURRENT_LIST_DIR}/added_tokens.cc
          ${CMAKE_CURRENT_LIST_DIR}/spm_tokenizer.cc ${CMAKE_CURRENT_LIST_DIR}/streaming_detokenizer.cc
          ${CMAKE_CURRENT_LIST_DIR}/prompts.cc
  DEPS xsd_spm_proto nlohmann_json::nlohmann_json
  PRIVATE_DEPS absl::flat_hash_map)
