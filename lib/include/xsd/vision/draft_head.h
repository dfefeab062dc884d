// DraftHead: the one place where a cross-modal drafter turns its hidden
// states into the draft tokens it proposes to the target. Without a head the
// drafter proposes its own greedy tokens (the identity adapter). The adapter
// head is argmax(lm_head_target(adapter(h))) (FACTS.md §1, §3): the adapter
// maps the drafter's post-norm state into the target's space and the target's
// LM head drafts. Either way the drafter's own LLM keeps decoding its own
// greedy tokens (its hidden states are those of its free generation, as the
// adapters were trained on).
//
// Tokens stay on the device (int64 [R]); callers read them back once.
// Ownership: see each factory. Tokens is const and is called from the
// drafter's thread.
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

class Adapter;

class DraftHead {
 public:
  virtual ~DraftHead() = default;
  // hidden [R, d_drafter] (post final norm) -> int64 token ids [R] on the hidden's device.
  virtual absl::StatusOr<at::Tensor> Tokens(const at::Tensor& hidden) const = 0;
  // Whether the tokens of earlier rows change when later rows are added
  // (sequence adapters): see DrafterCapabilities::revises_speculation.
  virtual bool revises() const { return false; }
};

// The target's LM head [vocab, d_target] (not owned: the target outlives the
// drafter) after `adapter` (owned). Works across devices: rows go to the
// adapter, logits are computed on the LM head's device, tokens come back to
// the hidden states' device.
std::unique_ptr<DraftHead> MakeAdapterDraftHead(std::unique_ptr<Adapter> adapter, const at::Tensor* target_lm_head);

}  // namespace xsd
