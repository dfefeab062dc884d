// A Draft: the tokens a drafter proposes for one verification, as a chain or a
// tree. Node i has a token and a parent index; parent -1 means "child of the
// pending token" (the last emitted token, which the target has not consumed
// yet). Parents always precede their children (topological order), so a chain
// of n tokens has parents {-1, 0, 1, ..., n-2}.
//
// Optional draft probabilities: for stochastic acceptance a drafter that
// samples stores, per node, the distribution q it sampled that node from
// (after temperature / top-p), flattened [size() x vocab]. Siblings sampled
// from one context share the same q row content. Empty probs mean the node was
// chosen deterministically (q is a point mass on the token).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "xsd/core/types.h"

namespace xsd {

struct Draft {
  std::vector<TokenId> tokens;
  std::vector<int32_t> parents;
  std::vector<float> probs;  // empty, or size() * vocab
  int vocab = 0;             // row width of probs (0 when probs is empty)

  static Draft Chain(std::vector<TokenId> tokens);

  int size() const { return static_cast<int>(tokens.size()); }
  bool empty() const { return tokens.empty(); }
  bool has_probs() const { return !probs.empty(); }
  bool IsChain() const;
  // Depth of node i: 1 for a root node, parent's depth + 1 otherwise.
  int Depth(int node) const;
  std::vector<int> Depths() const;
  // Children of `node` (-1: the roots), in index order.
  std::vector<int32_t> Children(int32_t node) const;
  // Nodes from the root down to `node`, inclusive.
  std::vector<int32_t> PathTo(int32_t node) const;
  // The q row of node i (requires has_probs()).
  absl::Span<const float> Probs(int node) const;

  // Appends a node; `q` (optional) is its sampling distribution.
  void Add(TokenId token, int32_t parent, absl::Span<const float> q = {});
  // Appends `tail` as a continuation: its roots become children of `attach_to`
  // (-1: of the pending token).
  void Extend(const Draft& tail, int32_t attach_to);
  // Keeps only the first n nodes of a chain.
  void TruncateChain(int n);

  // Structural checks: parents precede children, tokens in [0, vocab_size),
  // probs shape. The message names the offending node.
  absl::Status Validate(int vocab_size) const;
};

}  // namespace xsd
