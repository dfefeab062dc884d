// Added tokens of a Hugging Face checkpoint: the strings that are matched in
// raw text before SentencePiece sees it and become one id each (<image>,
// <video>, <pad>, and for LLaMA checkpoints <unk>, <s>, </s> too), read from
// whichever of tokenizer.json ("added_tokens"), tokenizer_config.json
// ("added_tokens_decoder" and the *_token roles), added_tokens.json and
// special_tokens_map.json the directory holds. Every file must agree with the
// others and with tokenizer.model; the first disagreement is an error that
// names the file and the token.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tokenizer/spm_model.h"
#include "xsd/core/types.h"

namespace xsd::tokenizer_internal {

struct AddedToken {
  std::string content;
  TokenId id = kNoToken;
  bool special = false;  // skipped by Decode(skip_special = true)
  bool lstrip = false;   // swallows whitespace on its left
  bool rstrip = false;   // swallows whitespace on its right
};

struct AddedTokens {
  std::vector<AddedToken> tokens;  // ordered by id
  // Roles named by the files (bos_token, ...); kNoToken where none is named.
  TokenId bos = kNoToken;
  TokenId eos = kNoToken;
  TokenId unk = kNoToken;
  TokenId pad = kNoToken;
};

// Reads the files of `dir` that exist (none is required), then registers
// `extra_special` (strings not declared yet get the next free ids, in order).
absl::StatusOr<AddedTokens> LoadAddedTokens(const std::string& dir, const SpmModel& model,
                                            const std::vector<std::string>& extra_special);

}  // namespace xsd::tokenizer_internal
