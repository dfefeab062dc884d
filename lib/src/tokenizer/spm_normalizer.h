// SpmNormalizer: SentencePiece's text normalization before BPE, driven by the
// model's NormalizerSpec: user-defined symbols pass verbatim, compiled rules
// (if any) rewrite the rest, malformed UTF-8 becomes U+FFFD byte by byte,
// whitespace is optionally squeezed, escaped to U+2581 and given a dummy
// prefix (or suffix). LLaMA: identity rules, dummy prefix, no squeezing.
// Immutable; does not own the model.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tokenizer/charsmap.h"
#include "tokenizer/spm_model.h"
#include "tokenizer/symbol_matcher.h"

namespace xsd::tokenizer_internal {

class SpmNormalizer {
 public:
  // `model` and `user_symbols` must outlive the normalizer.
  static absl::StatusOr<SpmNormalizer> Create(const SpmModel* model, const SymbolMatcher* user_symbols,
                                              const std::string& source);

  // The text BPE segments. Empty input (or, with squeezing, all-whitespace
  // input) gives an empty string: no dummy prefix for nothing.
  absl::StatusOr<std::string> Normalize(absl::string_view text) const;

 private:
  SpmNormalizer(const SpmModel* model, const SymbolMatcher* user_symbols, std::optional<CharsMap> rules)
      : model_(model), user_symbols_(user_symbols), rules_(std::move(rules)) {}

  struct Prefix {
    absl::string_view normalized;
    size_t consumed = 0;
  };
  // Normalized form of the first unit of `text` (a user-defined symbol, a
  // rule's source or one character).
  absl::StatusOr<Prefix> NormalizePrefix(absl::string_view text) const;

  const SpmModel* model_;               // not owned
  const SymbolMatcher* user_symbols_;   // not owned
  std::optional<CharsMap> rules_;       // absent: identity
};

}  // namespace xsd::tokenizer_internal
