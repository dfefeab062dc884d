#include "tokenizer/spm_normalizer.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "tokenizer/utf8.h"

namespace xsd::tokenizer_internal {

absl::StatusOr<SpmNormalizer> SpmNormalizer::Create(const SpmModel* model, const SymbolMatcher* user_symbols,
                                                    const std::string& source) {
  std::optional<CharsMap> rules;
  const std::string& blob = model->normalizer().precompiled_charsmap;
  if (!blob.empty()) {
    auto map = CharsMap::Create(blob, source);
    if (!map.ok()) return map.status();
    rules = std::move(*map);
  }
  return SpmNormalizer(model, user_symbols, std::move(rules));
}

absl::StatusOr<SpmNormalizer::Prefix> SpmNormalizer::NormalizePrefix(absl::string_view text) const {
  // User-defined symbols are never rewritten.
  if (const size_t n = user_symbols_->LongestPrefix(text); n > 0) return Prefix{text.substr(0, n), n};
  if (rules_) {
    auto match = rules_->LongestPrefix(text);
    if (!match.ok()) return match.status();
    if (match->consumed > 0) return Prefix{match->replacement, match->consumed};
  }
  const size_t n = ValidCharLength(text);
  if (n == 0) return Prefix{kReplacementChar, 1};  // one malformed byte
  return Prefix{text.substr(0, n), n};
}

absl::StatusOr<std::string> SpmNormalizer::Normalize(absl::string_view text) const {
  const NormalizerSwitches& sw = model_->normalizer();
  const absl::string_view space = sw.escape_whitespaces ? kSpaceSymbol : absl::string_view(" ");
  std::string out;
  if (text.empty()) return out;

  if (sw.remove_extra_whitespaces) {  // drop leading whitespace
    while (!text.empty()) {
      auto p = NormalizePrefix(text);
      if (!p.ok()) return p.status();
      if (p->normalized != " ") break;
      text.remove_prefix(p->consumed);
    }
    if (text.empty()) return out;
  }

  out.reserve(text.size() * 3);
  const bool dummy = sw.add_dummy_prefix;
  if (dummy && !sw.treat_whitespace_as_suffix) out.append(space.data(), space.size());

  // With squeezing, a unit starting right after whitespace loses its own
  // leading spaces; "after whitespace" is true at the start.
  bool after_space = sw.remove_extra_whitespaces;
  while (!text.empty()) {
    auto p = NormalizePrefix(text);
    if (!p.ok()) return p.status();
    absl::string_view unit = p->normalized;
    while (after_space && absl::ConsumePrefix(&unit, " ")) {
    }
    if (!unit.empty()) {
      for (char c : unit) {
        if (c == ' ' && sw.escape_whitespaces) {
          out.append(kSpaceSymbol.data(), kSpaceSymbol.size());
        } else {
          out.push_back(c);
        }
      }
      after_space = absl::EndsWith(unit, " ");
    }
    text.remove_prefix(p->consumed);
    if (!sw.remove_extra_whitespaces) after_space = false;
  }

  if (sw.remove_extra_whitespaces) {  // drop trailing whitespace
    while (absl::EndsWith(out, space)) out.resize(out.size() - space.size());
  }
  if (dummy && sw.treat_whitespace_as_suffix) out.append(space.data(), space.size());
  return out;
}

}  // namespace xsd::tokenizer_internal
