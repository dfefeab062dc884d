// Acceptance: decides which draft nodes the target keeps and which token comes
// next (the bonus token after a fully accepted path, or the correction token).
//
//  - Greedy: walk from the pending token down the tree, each step taking the
//    child whose token equals the target's argmax (the shared tie-break of
//    sampling.h); the next token is the target's argmax at the last accepted
//    node. Output equals greedy autoregressive output token for token.
//  - Stochastic (rejection sampling): at each node, try its children in
//    index order: accept child x with probability min(1, p(x)/q(x)); on
//    rejection p <- norm(max(0, p - q)) and try the next child. If none is
//    accepted, sample the next token from the final p. p and q are processed
//    by the same SamplingParams. Exact for chains and for trees whose siblings
//    were sampled independently from q; a node without probs has q = point
//    mass on its token.
//
// Stateless and thread-safe; randomness comes from the caller's Rng.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/base/rng.h"
#include "xsd/core/draft.h"
#include "xsd/core/sampling.h"
#include "xsd/core/target_output.h"

namespace xsd {

struct AcceptResult {
  std::vector<int32_t> path;  // accepted nodes, root to leaf
  TokenId next = kNoToken;    // bonus or correction token
};

class AcceptancePolicy {
 public:
  virtual ~AcceptancePolicy() = default;
  virtual const SamplingParams& sampling() const = 0;
  // Whether Accept reads TargetOutput::logits (else argmax suffices).
  virtual bool needs_target_logits() const = 0;
  // With an empty draft this is one autoregressive step: row 0 only.
  virtual absl::StatusOr<AcceptResult> Accept(const Draft& draft, const TargetOutput& target,
                                              Rng* rng) const = 0;
};

std::unique_ptr<AcceptancePolicy> MakeGreedyAcceptance();
// temperature > 0; top_p in (0, 1].
absl::StatusOr<std::unique_ptr<AcceptancePolicy>> MakeStochasticAcceptance(const SamplingParams& params);

}  // namespace xsd
