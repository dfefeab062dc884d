// SpmTokenizer: what a Tokenizer holds for LLaMA-family checkpoints, composed
// of the SentencePiece model (SpmModel), its normalizer and BPE segmenter, and
// the checkpoint's added tokens. Created by Tokenizer::Load; immutable and
// thread-safe afterwards. See xsd/tokenizer/tokenizer.h for the rules.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_segmenter.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/spm_normalizer.h"
#include "tokenizer/symbol_matcher.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd::tokenizer_internal {

class SpmTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<SpmTokenizer>> Create(const std::string& dir,
                                                              const TokenizerOptions& options);

  absl::StatusOr<std::vector<TokenId>> Encode(const std::string& text, bool add_bos) const;
  absl::StatusOr<std::string> Decode(const std::vector<TokenId>& ids, bool skip_special) const;
  int vocab_size() const { return vocab_size_; }
  TokenId bos_id() const { return bos_; }
  TokenId eos_id() const { return eos_; }
  TokenId unk_id() const { return unk_; }
  TokenId TokenToId(const std::string& token) const;
  absl::StatusOr<std::string> IdToToken(TokenId id) const;
  bool IsSpecial(TokenId id) const;
  int TokenByte(TokenId id) const;

 private:
  SpmTokenizer() = default;
  // SentencePiece encoding of text without added tokens.
  absl::Status EncodeText(absl::string_view text, std::vector<TokenId>* ids) const;
  const AddedToken* FindAdded(TokenId id) const;

  std::unique_ptr<SpmModel> model_;
  SymbolMatcher user_symbols_;               // the model's user-defined pieces
  std::optional<SpmNormalizer> normalizer_;  // points at model_ and user_symbols_
  std::optional<BpeSegmenter> segmenter_;    // same
  std::vector<AddedToken> added_;
  absl::flat_hash_map<TokenId, size_t> added_by_id_;          // index into added_
  absl::flat_hash_map<std::string, size_t> added_by_content_;  // same
  SymbolMatcher added_matcher_;
  int vocab_size_ = 0;
  TokenId bos_ = kNoToken;
  TokenId eos_ = kNoToken;
  TokenId unk_ = kNoToken;
};

}  // namespace xsd::tokenizer_internal
