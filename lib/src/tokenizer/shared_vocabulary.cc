#include <algorithm>

#include "absl/strings/str_cat.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {

absl::Status CheckSharedVocabulary(const Tokenizer& drafter, const Tokenizer& target, int drafter_rows) {
  const int shared = std::min({drafter.vocab_size(), target.vocab_size(), drafter_rows});
  for (TokenId id = 0; id < shared; ++id) {
    auto a = drafter.IdToToken(id);
    auto b = target.IdToToken(id);
    if (!a.ok()) return a.status();
    if (!b.ok()) return b.status();
    if (*a != *b) {
      return absl::InvalidArgumentError(absl::StrCat("token ", id, " is '", *a, "' for the drafter but '", *b,
                                                     "' for the target: the drafter's ids would be misread"));
    }
  }
  return absl::OkStatus();
}

}  // namespace xsd
