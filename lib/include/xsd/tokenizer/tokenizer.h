// Tokenizer: our own reader of a LLaMA `tokenizer.model` (a SentencePiece
// ModelProto, parsed with the schema we declare in
// proto/xsd/sentencepiece_model.proto) implementing SentencePiece BPE with
// byte fallback and its whitespace rules, plus the added special tokens of a
// Hugging Face checkpoint (<image>, <video>, <event>, ...).
//
// Debian's libsentencepiece cannot be linked beside protobuf 3.21 (it embeds
// protobuf 3.14 and the process dies at start-up), hence this implementation.
//
// Encoding (what the Video-LLaVA-7B-hf and EventGPT-7B checkpoints do):
//  1. Added tokens declared by the checkpoint's JSON files (and
//     TokenizerOptions::extra_special_tokens) are found in the raw text first,
//     leftmost match first, the longest one where several start at the same
//     byte, and become one id each; they are never split. For LLaMA
//     checkpoints these include <unk>, <s> and </s>.
//  2. Every stretch of text between two added tokens (and before the first,
//     after the last) is encoded by SentencePiece on its own, so each one gets
//     its own dummy-prefix space: "USER: <video>\nWhy?" encodes as
//     "USER: " + <video> + "\nWhy?" -> [▁US ER : ▁] [<video>] [▁ <0x0A> Why ?].
//     This is transformers' "legacy" LlamaTokenizer behaviour of these
//     checkpoints (the published Video-LLaVA-7B-hf test expects ▁Why = 3750
//     right after <video>) and what EventGPT's own code does (it splits the
//     prompt on "<event>" and tokenizes each part separately).
//  3. SentencePiece BPE per stretch: normalization from the model's
//     NormalizerSpec (LLaMA: identity, dummy prefix, spaces kept), ' ' escaped
//     to U+2581, merges by piece score (leftmost first on ties), unknown
//     characters as <0xXX> byte pieces (byte_fallback) or one <unk> per run.
//     The ids equal sentencepiece's Python `encode` for that stretch.
//  Known difference: transformers 5 rebuilds the LLaMA tokenizer with a
//  Metaspace pre-tokenizer that adds no dummy prefix to a stretch already
//  starting with ' ' (" Hi" -> ▁Hi, where SentencePiece and older
//  transformers give ▁▁Hi). We follow SentencePiece; the prompt templates
//  below never start a stretch with a space.
//
// Decoding: special tokens (the checkpoint's special added tokens, plus the
// model's control and unknown pieces) are written as their text, or dropped
// with skip_special; other added tokens are always written; runs of byte
// pieces are reassembled into UTF-8 (each byte that starts no valid
// character becomes U+FFFD, as in sentencepiece); U+2581 becomes ' '; the
// dummy-prefix space is dropped from the first piece when nothing has been
// written before it. With skip_special this equals sentencepiece's decode of
// the remaining ids and transformers' decode, except that transformers turns
// a whole byte run containing an invalid sequence into one U+FFFD per byte.
//
// Thread-safe after Load (all methods const).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"

namespace xsd {

// Placeholders the models splice visual embeddings into.
inline constexpr char kImageToken[] = "<image>";  // Video-LLaVA: id 32000
inline constexpr char kVideoToken[] = "<video>";  // Video-LLaVA: id 32001
inline constexpr char kEventToken[] = "<event>";  // EventGPT: not in its vocabulary, see below

struct TokenizerOptions {
  // Strings to treat as special added tokens beyond those the checkpoint
  // declares; those not declared yet get the next free ids, in order, after
  // every piece and added token. EventGPT's checkpoint has no <event> token
  // (its code splits the prompt on the string), so its loader passes
  // {kEventToken}: Encode then yields one placeholder id at the splice point.
  std::vector<std::string> extra_special_tokens;
};

namespace tokenizer_internal {
class SpmTokenizer;  // src/tokenizer/spm_tokenizer.h
}  // namespace tokenizer_internal

// The one tokenizer of libxsd: SentencePiece BPE with the checkpoint's added
// tokens. Immutable after Load; thread-safe.
class Tokenizer {
 public:
  // `dir` holds tokenizer.model and optionally tokenizer_config.json,
  // added_tokens.json, special_tokens_map.json, tokenizer.json (added tokens).
  // Errors: NotFound naming <dir>/tokenizer.model when it is missing;
  // InvalidArgument naming the file for a corrupt model or JSON file, and
  // naming the token when the files disagree on an added token's id;
  // Unimplemented for non-BPE (unigram) models.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& dir);
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& dir, const TokenizerOptions& options);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Special tokens found in the text are emitted as their ids (never split);
  // the rest is encoded with SentencePiece BPE (see the top of this file).
  // add_bos prepends <s> (FailedPrecondition if the model has none). Any
  // byte string is accepted; malformed UTF-8 is encoded as U+FFFD.
  absl::StatusOr<std::vector<TokenId>> Encode(const std::string& text, bool add_bos) const;
  // Byte-fallback pieces are reassembled into UTF-8; the leading space that
  // SentencePiece's dummy prefix adds is removed (as sentencepiece does).
  // OutOfRange for an id outside [0, vocab_size()) or in a gap of the added ids.
  absl::StatusOr<std::string> Decode(const std::vector<TokenId>& ids, bool skip_special = false) const;

  int vocab_size() const;          // pieces + added tokens (largest id + 1)
  TokenId bos_id() const;          // kNoToken if none
  TokenId eos_id() const;
  TokenId unk_id() const;
  // Id of a piece or added token by its exact string; kNoToken if absent.
  TokenId TokenToId(const std::string& token) const;
  absl::StatusOr<std::string> IdToToken(TokenId id) const;
  // True for tokens Decode(skip_special = true) drops: the special added
  // tokens and the model's control and unknown pieces. False for others and
  // for ids out of range.
  bool IsSpecial(TokenId id) const;
  // 0..255 for a byte-fallback piece <0xXX>, -1 for any other id.
  int TokenByte(TokenId id) const;

 private:
  explicit Tokenizer(std::unique_ptr<const tokenizer_internal::SpmTokenizer> spm);
  std::unique_ptr<const tokenizer_internal::SpmTokenizer> spm_;  // the SentencePiece model and added tokens
};

// Streaming detokenization: feed ids one at a time, get the text that became
// final (complete UTF-8, spacing resolved). Concatenating every Push() and
// Flush() equals Decode(all ids, skip_special). Text is held back only while
// the ids end in byte pieces that may still form one character; nothing
// returned is ever changed by a later id. Each Push costs O(length of the
// text since the last ordinary piece). Does not own the tokenizer, which must
// outlive it; not thread-safe (one per generation stream).
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer* tokenizer, bool skip_special = false)
      : tokenizer_(tokenizer), skip_special_(skip_special) {}
  absl::StatusOr<std::string> Push(TokenId id);
  // Emits what is held back (an incomplete character as U+FFFD) and resets.
  absl::StatusOr<std::string> Flush();

 private:
  // Decode(window_) minus the text already returned from it.
  absl::StatusOr<std::string> Emit(size_t hold_back_ids);

  const Tokenizer* tokenizer_;  // not owned
  bool skip_special_;
  // Ids still needed to decode what comes next: from the last ordinary piece
  // (an anchor whose text is known) to the end.
  std::vector<TokenId> ids_;
  size_t emitted_bytes_ = 0;  // bytes of Decode(ids_) already returned
};

// Where a drafter's own token ids reach the target unmapped, both tokenizers
// must give every id the drafter can emit the same token string (special and
// media tokens included), not merely have the same size. Checks the ids below
// `drafter_rows` (the drafter's LM-head rows: the ids it can emit) that both
// tokenizers know; placeholder ids the drafter cannot emit (EventGPT's
// <event>) and padded rows (Video-LLaVA's 32 064) are not compared. The
// message names the first id that differs and both strings.
absl::Status CheckSharedVocabulary(const Tokenizer& drafter, const Tokenizer& target, int drafter_rows);

// The prompt templates of the two models (FACTS.md §4, §5).
// Video-LLaVA: "USER: <video>\n{question} ASSISTANT:"
std::string VideoLlavaPrompt(const std::string& question);
// EventGPT (Vicuna v1): "A chat between ... USER: <event>\n{question} ASSISTANT:"
std::string EventGptPrompt(const std::string& question);

}  // namespace xsd
