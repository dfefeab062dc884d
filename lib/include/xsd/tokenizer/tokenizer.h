// Tokenizer: our own reader of a LLaMA `tokenizer.model` (a SentencePiece
// ModelProto, parsed with the schema we declare in
// proto/xsd/sentencepiece_model.proto) implementing SentencePiece BPE with
// byte fallback and its whitespace rules, plus the added special tokens of a
// Hugging Face checkpoint (<image>, <video>, <event>, ...).
//
// Debian's libsentencepiece cannot be linked beside protobuf 3.21 (it embeds
// protobuf 3.14 and the process dies at start-up), hence this implementation.
//
// Thread-safe after Load (all methods const).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"

namespace xsd {

class Tokenizer {
 public:
  // `dir` holds tokenizer.model and optionally tokenizer_config.json,
  // added_tokens.json, special_tokens_map.json, tokenizer.json (added tokens).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& dir);
  virtual ~Tokenizer() = default;

  // Special tokens found in the text are emitted as their ids (never split);
  // the rest is encoded with SentencePiece BPE. add_bos prepends <s>.
  virtual absl::StatusOr<std::vector<TokenId>> Encode(const std::string& text, bool add_bos) const = 0;
  // Byte-fallback pieces are reassembled into UTF-8; the leading space that
  // SentencePiece's dummy prefix adds is removed (as sentencepiece does).
  virtual absl::StatusOr<std::string> Decode(const std::vector<TokenId>& ids, bool skip_special = false) const = 0;

  virtual int vocab_size() const = 0;          // pieces + added tokens
  virtual TokenId bos_id() const = 0;
  virtual TokenId eos_id() const = 0;
  virtual TokenId unk_id() const = 0;
  // Id of a piece or added token by its exact string; kNoToken if absent.
  virtual TokenId TokenToId(const std::string& token) const = 0;
  virtual absl::StatusOr<std::string> IdToToken(TokenId id) const = 0;
};

// Streaming detokenization: feed ids one at a time, get the text that became
// final (complete UTF-8, spacing resolved). Concatenating every Push() and
// Flush() equals Decode(all ids). Does not own the tokenizer.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer* tokenizer) : tokenizer_(tokenizer) {}
  absl::StatusOr<std::string> Push(TokenId id);
  absl::StatusOr<std::string> Flush();

 private:
  const Tokenizer* tokenizer_;  // not owned
  std::vector<TokenId> ids_;
  size_t emitted_bytes_ = 0;
};

// The prompt templates of the two models (FACTS.md §4, §5).
// Video-LLaVA: "USER: <video>\n{question} ASSISTANT:"
std::string VideoLlavaPrompt(const std::string& question);
// EventGPT (Vicuna v1): "A chat between ... USER: <event>\n{question} ASSISTANT:"
std::string EventGptPrompt(const std::string& question);

}  // namespace xsd
