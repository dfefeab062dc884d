#include "xsd/core/draft.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace xsd {

Draft Draft::Chain(std::vector<TokenId> tokens) {
  Draft d;
  d.parents.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) d.parents[i] = static_cast<int32_t>(i) - 1;
  d.tokens = std::move(tokens);
  return d;
}

bool Draft::IsChain() const {
  for (size_t i = 0; i < parents.size(); ++i) {
    if (parents[i] != static_cast<int32_t>(i) - 1) return false;
  }
  return true;
}

int Draft::Depth(int node) const {
  int depth = 0;
  for (int n = node; n >= 0; n = parents[n]) ++depth;
  return depth;
}

std::vector<int> Draft::Depths() const {
  std::vector<int> depths(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    depths[i] = parents[i] < 0 ? 1 : depths[parents[i]] + 1;
  }
  return depths;
}

std::vector<int32_t> Draft::Children(int32_t node) const {
  std::vector<int32_t> out;
  for (size_t i = 0; i < parents.size(); ++i) {
    if (parents[i] == node) out.push_back(static_cast<int32_t>(i));
  }
  return out;
}

std::vector<int32_t> Draft::PathTo(int32_t node) const {
  std::vector<int32_t> path;
  for (int32_t n = node; n >= 0; n = parents[n]) path.push_back(n);
  std::reverse(path.begin(), path.end());
  return path;
}

absl::Span<const float> Draft::Probs(int node) const {
  return absl::MakeConstSpan(probs.data() + static_cast<size_t>(node) * vocab, vocab);
}

void Draft::Add(TokenId token, int32_t parent, absl::Span<const float> q) {
  tokens.push_back(token);
  parents.push_back(parent);
  if (!q.empty()) {
    vocab = static_cast<int>(q.size());
    probs.insert(probs.end(), q.begin(), q.end());
  }
}

void Draft::Extend(const Draft& tail, int32_t attach_to) {
  const int32_t offset = size();
  for (int i = 0; i < tail.size(); ++i) {
    const int32_t p = tail.parents[i] < 0 ? attach_to : tail.parents[i] + offset;
    Add(tail.tokens[i], p, tail.has_probs() ? tail.Probs(i) : absl::Span<const float>());
  }
}

void Draft::TruncateChain(int n) {
  if (n >= size()) return;
  tokens.resize(n);
  parents.resize(n);
  if (has_probs()) probs.resize(static_cast<size_t>(n) * vocab);
}

absl::Status Draft::Validate(int vocab_size) const {
  if (parents.size() != tokens.size()) {
    return absl::InvalidArgumentError(absl::StrCat("draft: ", tokens.size(), " tokens but ",
                                                   parents.size(), " parent indices"));
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat("draft node ", i, ": token ", tokens[i],
                                                     " outside the vocabulary [0, ", vocab_size, ")"));
    }
    if (parents[i] < -1 || parents[i] >= static_cast<int32_t>(i)) {
      return absl::InvalidArgumentError(absl::StrCat("draft node ", i, ": parent ", parents[i],
                                                     " must be -1 or an earlier node"));
    }
  }
  if (!probs.empty()) {
    if (vocab <= 0 || probs.size() != tokens.size() * static_cast<size_t>(vocab)) {
      return absl::InvalidArgumentError(absl::StrCat("draft probs: ", probs.size(), " values for ",
                                                     tokens.size(), " nodes of vocab ", vocab));
    }
    if (vocab != vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat("draft probs: vocab ", vocab,
                                                     " differs from the target's ", vocab_size));
    }
  }
  return absl::OkStatus();
}

}  // namespace xsd
