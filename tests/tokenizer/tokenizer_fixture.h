// Shared helpers for the tokenizer tests: the fixture directories and the
// reference cases written by tools/fixtures/make_tokenizer_fixtures.py
// (sentencepiece always; transformers when the generator could import it),
// and copies of fixture files into scratch directories for broken checkpoints.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd::testing {

inline std::string TokenizerDataDir() { return std::string(XSD_TEST_DATA_DIR) + "/tokenizer"; }
inline std::string LlamaDir() { return TokenizerDataDir() + "/llama"; }
inline std::string VariantDir() { return TokenizerDataDir() + "/variant"; }
inline std::string TiesDir() { return TokenizerDataDir() + "/ties"; }

// cases.json, parsed once.
inline const nlohmann::json& Cases() {
  static const nlohmann::json* cases =
      new nlohmann::json(nlohmann::json::parse(ReadWholeFile(TokenizerDataDir() + "/cases.json")));
  return *cases;
}

inline std::vector<TokenId> Ids(const nlohmann::json& list) { return list.get<std::vector<TokenId>>(); }

// The tokenizers the cases were made for, loaded once.
inline const Tokenizer& LlamaTokenizer() {
  static const Tokenizer* tok = Tokenizer::Load(LlamaDir()).value().release();
  return *tok;
}
inline const Tokenizer& EventGptTokenizer() {
  static const Tokenizer* tok = [] {
    TokenizerOptions options;
    options.extra_special_tokens = {kEventToken};
    return Tokenizer::Load(LlamaDir(), options).value().release();
  }();
  return *tok;
}
inline const Tokenizer& TokenizerForGroup(const std::string& group) {
  return group == "eventgpt" ? EventGptTokenizer() : LlamaTokenizer();
}

// Copies the files of a fixture directory into `scratch`.
inline void CopyFixtureFiles(const std::string& fixture_dir, const ScratchDir& scratch) {
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir)) {
    std::filesystem::copy_file(entry.path(), scratch.File(entry.path().filename().string()));
  }
}

// Independent UTF-8 validity check (RFC 3629) for emitted text.
inline bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { n = 1; cp = c; }
    else if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace xsd::testing
