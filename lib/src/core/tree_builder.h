// EAGLE-2 dynamic draft trees, written once for every drafter that builds
// them (the scripted mock, the EAGLE head).
//
// Expansion: depth 1 is the root's top_k children. At each later depth the
// top_k candidates of the previous depth (by cumulative log-probability)
// form the frontier; each frontier node gets its top_k children, scored
// parent score + log p(child). Selection: the best total_tokens candidates
// overall by score (ties: shallower first, then creation order), plus any
// ancestor a kept node needs, emitted in creation order (parents first).
//
// The drafter supplies the model through ExpandFn: given the frontier (indices
// into the candidates created so far; -1 is the root) and those candidates,
// return each frontier node's best children, best first. Deterministic for a
// deterministic ExpandFn. Torch-free.
#pragma once

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/draft.h"
#include "xsd/core/drafter.h"

namespace xsd {

struct TreeCandidate {
  TokenId token = kNoToken;
  double logprob = 0.0;  // log p(token | its ancestors), <= 0
};

using TreeExpandFn = std::function<absl::StatusOr<std::vector<std::vector<TreeCandidate>>>(
    const std::vector<int32_t>& frontier, const Draft& candidates)>;

absl::StatusOr<Draft> BuildDynamicTree(const TreeSpec& spec, const TreeExpandFn& expand);

}  // namespace xsd
