// BpeSegmenter: SentencePiece's BPE encoding of normalized text into ids.
//
// The text is split into characters (user-defined symbols stay whole and are
// never merged); then, repeatedly, the adjacent pair whose concatenation is
// the highest-scoring piece of the vocabulary is merged, the leftmost pair
// first among equal scores. Candidate pairs live in a priority queue and stale
// ones are skipped when popped, so a text of n characters costs
// O(n log n). An UNUSED piece that results is split back into the two pieces
// that formed it. Finally characters without a piece become <0xXX> byte
// pieces (byte_fallback) or one <unk> per run of unknown characters.
//
// Like SentencePiece, the whole normalized text is one merge problem (there is
// no word split): LLaMA's pieces never cross a U+2581 except whitespace-only
// pieces, which this keeps exact. Immutable; does not own the model.
#pragma once

#include <vector>

#include "absl/strings/string_view.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/symbol_matcher.h"
#include "xsd/core/types.h"

namespace xsd::tokenizer_internal {

class BpeSegmenter {
 public:
  // `model` and `user_symbols` must outlive the segmenter.
  BpeSegmenter(const SpmModel* model, const SymbolMatcher* user_symbols)
      : model_(model), user_symbols_(user_symbols) {}

  // Appends the ids of `normalized` to `ids`.
  void Encode(absl::string_view normalized, std::vector<TokenId>* ids) const;

 private:
  const SpmModel* model_;              // not owned
  const SymbolMatcher* user_symbols_;  // not owned
};

}  // namespace xsd::tokenizer_internal
