// SpmModel: the vocabulary and switches of one SentencePiece `tokenizer.model`,
// parsed with our own schema (proto/xsd/sentencepiece_model.proto) and checked
// the way SentencePiece checks it when loading. Immutable after Parse; shared
// read-only by the normalizer, the BPE segmenter and the decoder.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "xsd/core/types.h"

namespace xsd::tokenizer_internal {

enum class PieceType { kNormal, kUnknown, kControl, kUserDefined, kUnused, kByte };

struct SpmPiece {
  std::string text;
  float score = 0;
  PieceType type = PieceType::kNormal;
};

// The NormalizerSpec switches that change encoding and decoding.
struct NormalizerSwitches {
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
  bool treat_whitespace_as_suffix = false;  // from the TrainerSpec
  std::string precompiled_charsmap;         // empty: identity
};

class SpmModel {
 public:
  // `bytes` is the file content; `source` names it in errors.
  static absl::StatusOr<std::unique_ptr<SpmModel>> Parse(const std::string& bytes, const std::string& source);

  int size() const { return static_cast<int>(pieces_.size()); }
  const SpmPiece& piece(TokenId id) const { return pieces_[id]; }
  const NormalizerSwitches& normalizer() const { return normalizer_; }
  bool byte_fallback() const { return byte_fallback_; }
  TokenId unk_id() const { return unk_id_; }
  TokenId bos_id() const { return bos_id_; }  // the control piece <s>; kNoToken when absent
  TokenId eos_id() const { return eos_id_; }
  TokenId pad_id() const { return pad_id_; }
  // Id of the <0xXX> piece of `byte` (valid only with byte_fallback()).
  TokenId byte_id(unsigned char byte) const { return byte_ids_[byte]; }
  // 0..255 for a byte piece, -1 otherwise.
  int byte_value(TokenId id) const { return byte_values_[id]; }
  const std::vector<std::string>& user_defined_symbols() const { return user_defined_; }

  // A piece that BPE may produce by merging (normal, user-defined, unused),
  // or kNoToken.
  TokenId MergeableId(absl::string_view text) const;
  // SentencePiece's piece-to-id: reserved pieces (control, unknown, byte)
  // first, then the mergeable ones, else the unknown id.
  TokenId PieceToId(absl::string_view text) const;
  // Exact lookup over every piece, or kNoToken.
  TokenId FindPiece(absl::string_view text) const;

 private:
  SpmModel() = default;
  absl::Status Index(const std::string& source);

  std::vector<SpmPiece> pieces_;
  NormalizerSwitches normalizer_;
  bool byte_fallback_ = false;
  TokenId unk_id_ = kNoToken;
  TokenId bos_id_ = kNoToken;
  TokenId eos_id_ = kNoToken;
  TokenId pad_id_ = kNoToken;
  std::array<TokenId, 256> byte_ids_{};
  std::vector<int16_t> byte_values_;
  std::vector<std::string> user_defined_;
  // Views into pieces_[i].text, which never moves after Parse.
  absl::flat_hash_map<absl::string_view, TokenId> mergeable_;
  absl::flat_hash_map<absl::string_view, TokenId> reserved_;
};

}  // namespace xsd::tokenizer_internal
