// CharsMap: SentencePiece's compiled normalization rules (NormalizerSpec.
// precompiled_charsmap), read in place. The blob is a little-endian uint32
// trie size, a darts-clone double-array trie whose keys are UTF-8 source
// strings, and a pool of NUL-terminated replacement strings the trie's values
// point into. LLaMA's model has none (identity); "nmt_nfkc" models and models
// trained with custom rules do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace xsd::tokenizer_internal {

class CharsMap {
 public:
  // Copies and checks the layout of `blob` and that every rule value points
  // into the string pool; `source` names it in errors.
  static absl::StatusOr<CharsMap> Create(absl::string_view blob, const std::string& source);

  struct Match {
    size_t consumed = 0;           // bytes of input covered by the rule; 0: no rule
    absl::string_view replacement; // what they become (may be empty: deletion)
  };
  // The longest rule whose source is a prefix of `input`, as SentencePiece
  // picks it. Fails only for a value pointing outside the string pool, which
  // Create already refuses.
  absl::StatusOr<Match> LongestPrefix(absl::string_view input) const;

 private:
  std::vector<uint32_t> units_;  // the double array
  std::string pool_;             // replacement strings
  std::string source_;
};

}  // namespace xsd::tokenizer_internal
