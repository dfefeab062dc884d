#include "xsd/tokenizer/tokenizer.h"

#include "absl/strings/str_cat.h"
#include "tokenizer/utf8.h"

namespace xsd {
namespace {

// How many trailing ids are byte pieces that start a character more bytes
// could still complete (0 to 3). Decoding stops in front of them.
size_t IncompleteTail(const Tokenizer& tok, const std::vector<TokenId>& ids) {
  std::string tail;  // the last up-to-3 bytes of a trailing byte run, in order
  for (size_t i = ids.size(); i > 0 && tail.size() < 3; --i) {
    const int b = tok.TokenByte(ids[i - 1]);
    if (b < 0) break;
    tail.insert(tail.begin(), static_cast<char>(b));
    // The held-back suffix starts at the last byte that is not a continuation byte.
    if ((static_cast<unsigned char>(b) & 0xC0) != 0x80) {
      return tokenizer_internal::IsIncompleteCharPrefix(tail) ? tail.size() : 0;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::string> StreamingDetokenizer::Emit(size_t hold_back_ids) {
  const std::vector<TokenId> ready(ids_.begin(), ids_.end() - static_cast<std::ptrdiff_t>(hold_back_ids));
  auto text = tokenizer_->Decode(ready, skip_special_);
  if (!text.ok()) return text.status();
  if (text->size() < emitted_bytes_) {  // cannot happen: decoding only appends
    return absl::InternalError(absl::StrCat("StreamingDetokenizer: decoded text shrank from ", emitted_bytes_,
                                            " to ", text->size(), " bytes"));
  }
  std::string fresh = text->substr(emitted_bytes_);
  emitted_bytes_ = text->size();
  return fresh;
}

absl::StatusOr<std::string> StreamingDetokenizer::Push(TokenId id) {
  ids_.push_back(id);
  const size_t hold = IncompleteTail(*tokenizer_, ids_);
  auto fresh = Emit(hold);
  if (!fresh.ok()) {
    ids_.pop_back();
    return fresh.status();
  }
  // Start a new window at an ordinary piece whose own text is not empty: the
  // text after it decodes the same whether or not what came before is there
  // (the dummy-prefix space is only ever dropped before any text).
  if (hold == 0 && ids_.size() > 1 && !tokenizer_->IsSpecial(id) && tokenizer_->TokenByte(id) < 0) {
    auto alone = tokenizer_->Decode({id}, skip_special_);
    if (alone.ok() && !alone->empty()) {
      ids_.assign(1, id);
      emitted_bytes_ = alone->size();
    }
  }
  return fresh;
}

absl::StatusOr<std::string> StreamingDetokenizer::Flush() {
  auto fresh = Emit(0);
  ids_.clear();
  emitted_bytes_ = 0;
  return fresh;
}

}  // namespace xsd
