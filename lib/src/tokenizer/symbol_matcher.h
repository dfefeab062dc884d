// SymbolMatcher: longest match of a fixed set of strings at the start of a
// text. Used for SentencePiece user-defined symbols and for the added tokens
// of a Hugging Face checkpoint (<image>, <video>, ...). Immutable.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace xsd::tokenizer_internal {

class SymbolMatcher {
 public:
  SymbolMatcher() = default;
  explicit SymbolMatcher(const std::vector<std::string>& symbols);

  bool empty() const { return by_first_byte_.empty(); }
  // Length of the longest symbol that `text` starts with; 0 if none.
  size_t LongestPrefix(absl::string_view text) const;

 private:
  // Symbols grouped by first byte, longest first.
  absl::flat_hash_map<unsigned char, std::vector<std::string>> by_first_byte_;
};

}  // namespace xsd::tokenizer_internal
