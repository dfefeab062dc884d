#include "tokenizer/spm_model.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "xsd/sentencepiece_model.pb.h"

namespace xsd::tokenizer_internal {
namespace {

PieceType ToPieceType(spm::ModelProto::SentencePiece::Type type) {
  switch (type) {
    case spm::ModelProto::SentencePiece::UNKNOWN: return PieceType::kUnknown;
    case spm::ModelProto::SentencePiece::CONTROL: return PieceType::kControl;
    case spm::ModelProto::SentencePiece::USER_DEFINED: return PieceType::kUserDefined;
    case spm::ModelProto::SentencePiece::UNUSED: return PieceType::kUnused;
    case spm::ModelProto::SentencePiece::BYTE: return PieceType::kByte;
    case spm::ModelProto::SentencePiece::NORMAL: break;
  }
  return PieceType::kNormal;
}

// "<0x4A>" -> 0x4A; anything else -> -1. Upper-case hex, two digits: the
// only spelling the trainer writes and SentencePiece accepts.
int ParseBytePiece(absl::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

bool IsMergeable(PieceType type) {
  return type == PieceType::kNormal || type == PieceType::kUserDefined || type == PieceType::kUnused;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SpmModel>> SpmModel::Parse(const std::string& bytes, const std::string& source) {
  spm::ModelProto proto;
  if (bytes.empty() || !proto.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not a SentencePiece model (", bytes.size(), " bytes that do not parse)"));
  }
  // Every model the trainer writes carries its TrainerSpec (after the
  // pieces); a file cut short inside the vocabulary still parses, but lacks it.
  if (!proto.has_trainer_spec() || proto.pieces_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": incomplete SentencePiece model (", proto.pieces_size(),
                     " pieces, trainer_spec ", proto.has_trainer_spec() ? "present" : "missing", ")"));
  }
  const spm::TrainerSpec& trainer = proto.trainer_spec();
  if (trainer.model_type() != spm::TrainerSpec::BPE) {
    return absl::UnimplementedError(absl::StrCat(source, ": trainer_spec.model_type is ",
                                                 spm::TrainerSpec::ModelType_Name(trainer.model_type()),
                                                 "; only BPE models (LLaMA) are supported"));
  }

  std::unique_ptr<SpmModel> model(new SpmModel());
  model->pieces_.reserve(proto.pieces_size());
  for (const auto& p : proto.pieces()) {
    model->pieces_.push_back(SpmPiece{p.piece(), p.score(), ToPieceType(p.type())});
  }
  model->byte_fallback_ = trainer.byte_fallback();
  const spm::NormalizerSpec& norm = proto.normalizer_spec();
  model->normalizer_.add_dummy_prefix = norm.add_dummy_prefix();
  model->normalizer_.remove_extra_whitespaces = norm.remove_extra_whitespaces();
  model->normalizer_.escape_whitespaces = norm.escape_whitespaces();
  model->normalizer_.treat_whitespace_as_suffix = trainer.treat_whitespace_as_suffix();
  model->normalizer_.precompiled_charsmap = norm.precompiled_charsmap();
  if (absl::Status s = model->Index(source); !s.ok()) return s;

  // Like sentencepiece's bos_id(): the piece named by trainer_spec.bos_piece
  // (default "<s>"), if it is a control piece; likewise eos and pad.
  auto control_id = [&](const std::string& name, const char* fallback) {
    const TokenId id = model->FindPiece(name.empty() ? fallback : name);
    return id != kNoToken && model->pieces_[id].type == PieceType::kControl ? id : kNoToken;
  };
  model->bos_id_ = control_id(trainer.bos_piece(), "<s>");
  model->eos_id_ = control_id(trainer.eos_piece(), "</s>");
  model->pad_id_ = control_id(trainer.pad_piece(), "<pad>");
  return model;
}

absl::Status SpmModel::Index(const std::string& source) {
  byte_ids_.fill(kNoToken);
  byte_values_.assign(pieces_.size(), -1);
  for (TokenId id = 0; id < size(); ++id) {
    const SpmPiece& p = pieces_[id];
    auto where = [&] { return absl::StrCat(source, ": piece ", id); };
    if (p.text.empty()) return absl::InvalidArgumentError(absl::StrCat(where(), " is empty"));
    auto& map = IsMergeable(p.type) ? mergeable_ : reserved_;
    if (!map.emplace(p.text, id).second) {
      return absl::InvalidArgumentError(absl::StrCat(where(), " '", p.text, "' is defined twice"));
    }
    if (p.type == PieceType::kUserDefined) user_defined_.push_back(p.text);
    if (p.type == PieceType::kUnknown) {
      if (unk_id_ != kNoToken) {
        return absl::InvalidArgumentError(absl::StrCat(where(), " '", p.text, "' is a second unknown piece"));
      }
      unk_id_ = id;
    }
    if (p.type == PieceType::kByte) {
      if (!byte_fallback_) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(), " '", p.text, "' is a byte piece but trainer_spec.byte_fallback is false"));
      }
      const int value = ParseBytePiece(p.text);
      if (value < 0) return absl::InvalidArgumentError(absl::StrCat(where(), " '", p.text, "' is not a byte piece"));
      byte_ids_[value] = id;
      byte_values_[id] = static_cast<int16_t>(value);
    }
  }
  if (unk_id_ == kNoToken) return absl::InvalidArgumentError(absl::StrCat(source, ": no unknown piece"));
  if (byte_fallback_) {
    for (int b = 0; b < 256; ++b) {
      if (byte_ids_[b] == kNoToken) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": byte_fallback is true but the byte piece ", name, " is missing"));
      }
    }
  }
  return absl::OkStatus();
}

TokenId SpmModel::MergeableId(absl::string_view text) const {
  auto it = mergeable_.find(text);
  return it == mergeable_.end() ? kNoToken : it->second;
}

TokenId SpmModel::PieceToId(absl::string_view text) const {
  auto it = reserved_.find(text);
  if (it != reserved_.end()) return it->second;
  const TokenId id = MergeableId(text);
  return id == kNoToken ? unk_id_ : id;
}

TokenId SpmModel::FindPiece(absl::string_view text) const {
  auto it = reserved_.find(text);
  if (it != reserved_.end()) return it->second;
  return MergeableId(text);
}

}  // namespace xsd::tokenizer_internal
