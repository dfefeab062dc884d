#include "tokenizer/spm_tokenizer.h"

#include <exception>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "tokenizer/utf8.h"
#include "xsd/base/status.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& dir) {
  return Load(dir, TokenizerOptions());
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& dir, const TokenizerOptions& options) {
  auto spm = tokenizer_internal::SpmTokenizer::Create(dir, options);
  if (!spm.ok()) return spm.status();
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(*spm)));
}

Tokenizer::Tokenizer(std::unique_ptr<const tokenizer_internal::SpmTokenizer> spm) : spm_(std::move(spm)) {}
Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::vector<TokenId>> Tokenizer::Encode(const std::string& text, bool add_bos) const {
  return spm_->Encode(text, add_bos);
}
absl::StatusOr<std::string> Tokenizer::Decode(const std::vector<TokenId>& ids, bool skip_special) const {
  return spm_->Decode(ids, skip_special);
}
int Tokenizer::vocab_size() const { return spm_->vocab_size(); }
TokenId Tokenizer::bos_id() const { return spm_->bos_id(); }
TokenId Tokenizer::eos_id() const { return spm_->eos_id(); }
TokenId Tokenizer::unk_id() const { return spm_->unk_id(); }
TokenId Tokenizer::TokenToId(const std::string& token) const { return spm_->TokenToId(token); }
absl::StatusOr<std::string> Tokenizer::IdToToken(TokenId id) const { return spm_->IdToToken(id); }
bool Tokenizer::IsSpecial(TokenId id) const { return spm_->IsSpecial(id); }
int Tokenizer::TokenByte(TokenId id) const { return spm_->TokenByte(id); }

namespace tokenizer_internal {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

absl::StatusOr<std::unique_ptr<SpmTokenizer>> SpmTokenizer::Create(const std::string& dir,
                                                                   const TokenizerOptions& options) {
  const std::string path = dir + "/tokenizer.model";
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open (no SentencePiece model there)"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));

  std::unique_ptr<SpmTokenizer> tok(new SpmTokenizer());
  XSD_ASSIGN_OR_RETURN(tok->model_, SpmModel::Parse(buffer.str(), path));
  const SpmModel& model = *tok->model_;
  tok->user_symbols_ = SymbolMatcher(model.user_defined_symbols());
  XSD_ASSIGN_OR_RETURN(SpmNormalizer normalizer, SpmNormalizer::Create(&model, &tok->user_symbols_, path));
  tok->normalizer_.emplace(std::move(normalizer));
  tok->segmenter_.emplace(&model, &tok->user_symbols_);

  absl::StatusOr<AddedTokens> added;
  try {  // the JSON library may throw on input we did not foresee; nothing escapes
    added = LoadAddedTokens(dir, model, options.extra_special_tokens);
  } catch (const std::exception& e) {
    added = absl::InvalidArgumentError(absl::StrCat(dir, ": reading the tokenizer JSON files: ", e.what()));
  }
  if (!added.ok()) return added.status();
  tok->added_ = std::move(added->tokens);
  tok->vocab_size_ = model.size();
  std::vector<std::string> contents;
  for (size_t i = 0; i < tok->added_.size(); ++i) {
    const AddedToken& t = tok->added_[i];
    tok->added_by_id_[t.id] = i;
    tok->added_by_content_[t.content] = i;
    tok->vocab_size_ = std::max(tok->vocab_size_, t.id + 1);
    contents.push_back(t.content);
  }
  tok->added_matcher_ = SymbolMatcher(contents);
  tok->bos_ = added->bos != kNoToken ? added->bos : model.bos_id();
  tok->eos_ = added->eos != kNoToken ? added->eos : model.eos_id();
  tok->unk_ = added->unk != kNoToken ? added->unk : model.unk_id();
  return tok;
}

absl::Status SpmTokenizer::EncodeText(absl::string_view text, std::vector<TokenId>* ids) const {
  if (text.empty()) return absl::OkStatus();
  XSD_ASSIGN_OR_RETURN(std::string normalized, normalizer_->Normalize(text));
  segmenter_->Encode(normalized, ids);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TokenId>> SpmTokenizer::Encode(const std::string& text, bool add_bos) const {
  std::vector<TokenId> ids;
  if (add_bos) {
    if (bos_ == kNoToken) return absl::FailedPreconditionError("Encode(add_bos): the tokenizer has no BOS token");
    ids.push_back(bos_);
  }
  const absl::string_view all(text);
  size_t stretch = 0;  // start of the text not encoded yet
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t n = added_matcher_.LongestPrefix(all.substr(pos));
    if (n == 0) {
      ++pos;  // added tokens start with a lead byte, so byte steps never match inside a character
      continue;
    }
    const auto found = added_by_content_.find(std::string(all.substr(pos, n)));
    if (found == added_by_content_.end()) {  // cannot happen: the matcher holds exactly these strings
      return absl::InternalError("Encode: matched an added token that is not registered");
    }
    const AddedToken& token = added_[found->second];
    size_t stretch_end = pos;
    if (token.lstrip) {
      while (stretch_end > stretch && IsAsciiSpace(all[stretch_end - 1])) --stretch_end;
    }
    XSD_RETURN_IF_ERROR(EncodeText(all.substr(stretch, stretch_end - stretch), &ids));
    ids.push_back(token.id);
    pos += n;
    if (token.rstrip) {
      while (pos < all.size() && IsAsciiSpace(all[pos])) ++pos;
    }
    stretch = pos;
  }
  XSD_RETURN_IF_ERROR(EncodeText(all.substr(stretch), &ids));
  return ids;
}

absl::StatusOr<std::string> SpmTokenizer::Decode(const std::vector<TokenId>& ids, bool skip_special) const {
  const NormalizerSwitches& sw = model_->normalizer();
  std::string out;
  std::string bytes;  // the pending run of byte pieces
  auto flush_bytes = [&] {
    AppendBytesAsUtf8(bytes, &out);
    bytes.clear();
  };
  // SentencePiece drops the dummy-prefix U+2581 of the first piece, as long
  // as nothing has been written before it.
  bool may_strip = true;
  bool dummy_stripped = false;
  for (size_t i = 0; i < ids.size(); ++i) {
    const TokenId id = ids[i];
    if (id < 0 || id >= vocab_size_) {
      return absl::OutOfRangeError(
          absl::StrCat("Decode: id ", id, " at position ", i, " is outside the vocabulary [0, ", vocab_size_, ")"));
    }
    if (const AddedToken* t = FindAdded(id)) {
      flush_bytes();
      if (!(t->special && skip_special)) out += t->content;
      continue;
    }
    if (id >= model_->size()) {
      return absl::OutOfRangeError(absl::StrCat("Decode: id ", id, " at position ", i,
                                                " is neither a piece nor an added token"));
    }
    const SpmPiece& piece = model_->piece(id);
    if (piece.type == PieceType::kByte) {
      bytes.push_back(static_cast<char>(model_->byte_value(id)));
      continue;
    }
    flush_bytes();
    if (piece.type == PieceType::kControl || piece.type == PieceType::kUnknown) {
      if (!skip_special) out += piece.text;
      continue;
    }
    if (dummy_stripped || !out.empty()) may_strip = false;
    absl::string_view text = piece.text;
    dummy_stripped = false;
    if (may_strip && (sw.add_dummy_prefix || sw.remove_extra_whitespaces)) {
      dummy_stripped = absl::ConsumePrefix(&text, kSpaceSymbol);
      // Squeezing models drop every leading space: keep stripping.
      if (sw.remove_extra_whitespaces) dummy_stripped = false;
    }
    absl::StrAppend(&out, absl::StrReplaceAll(text, {{kSpaceSymbol, " "}}));
  }
  flush_bytes();
  return out;
}

const AddedToken* SpmTokenizer::FindAdded(TokenId id) const {
  auto it = added_by_id_.find(id);
  return it == added_by_id_.end() ? nullptr : &added_[it->second];
}

TokenId SpmTokenizer::TokenToId(const std::string& token) const {
  auto it = added_by_content_.find(token);
  if (it != added_by_content_.end()) return added_[it->second].id;
  return model_->FindPiece(token);
}

absl::StatusOr<std::string> SpmTokenizer::IdToToken(TokenId id) const {
  if (const AddedToken* t = FindAdded(id)) return t->content;
  if (id < 0 || id >= model_->size()) {
    return absl::OutOfRangeError(absl::StrCat("IdToToken: id ", id, " is not a token (vocabulary ", vocab_size_, ")"));
  }
  return model_->piece(id).text;
}

bool SpmTokenizer::IsSpecial(TokenId id) const {
  if (const AddedToken* t = FindAdded(id)) return t->special;
  if (id < 0 || id >= model_->size()) return false;
  const PieceType type = model_->piece(id).type;
  return type == PieceType::kControl || type == PieceType::kUnknown;
}

int SpmTokenizer::TokenByte(TokenId id) const {
  if (id < 0 || id >= model_->size() || FindAdded(id) != nullptr) return -1;
  return model_->byte_value(id);
}

}  // namespace tokenizer_internal
}  // namespace xsd
