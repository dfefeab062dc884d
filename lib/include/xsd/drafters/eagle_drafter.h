// EagleDrafter: decode-phase drafting with an EAGLE-1 head over the target's
// features: chains (greedy or sampled), EAGLE-2 dynamic trees when greedy
// (core/tree_builder.h), and sampled trees otherwise (every expanded node's
// top_k children drawn from its q; the shape never depends on the values).
//
// The head's cache holds one row per committed target position t, built from
// the target's post-norm feature at t and the embedding of the token at t + 1
// (Observe: the target's committed features and input embeddings; the last
// row pairs with the new pending token). Drafting writes speculative rows
// after them; Observe truncates those away (O(1)) before appending the newly
// committed rows.
//
// Ownership: owns the head and its KV cache; borrows the target (LM head,
// embedding table), which must outlive it. One request at a time.
#pragma once

#include <memory>

#include "xsd/core/drafter.h"
#include "xsd/core/verifier.h"
#include "xsd/drafters/eagle_head.h"
#include "xsd/kv/kv_cache_pool.h"

namespace xsd {

class EagleDrafter final : public Drafter {
 public:
  static absl::StatusOr<std::unique_ptr<EagleDrafter>> Create(std::unique_ptr<EagleHead> head, const Verifier* target,
                                                              int max_seq_len);
  ~EagleDrafter() override;

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

 private:
  EagleDrafter(std::unique_ptr<EagleHead> head, const Verifier* target, KvCachePool::Lease cache);
  absl::StatusOr<Draft> ProposeChain(int n);
  absl::StatusOr<Draft> ProposeTree(const TreeSpec& tree);
  struct State;

  std::unique_ptr<EagleHead> head_;
  const TargetFeatures* target_;  // not owned: the target's (Verifier::features())
  KvCachePool::Lease cache_;
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  std::unique_ptr<State> state_;
};

}  // namespace xsd
