// DraftHead: the one place where a drafter turns its hidden states into the
// draft tokens it proposes to the target, while its own language model keeps
// decoding its own greedy tokens (its hidden states are those of its free
// generation, as the adapters were trained on). The adapter head
// (xsd/vision/draft_head.h: MakeAdapterDraftHead) is
// argmax(lm_head_target(adapter(h))) (FACTS.md §1, §3). The LLaMA drafter
// takes one (LlamaDrafterExtras::head); without one it proposes its own
// tokens (the identity adapter).
//
// Tokens stay on the device (int64 [R]); callers read them back once.
// Tokens is const and is called from the drafter's thread.
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

class DraftHead {
 public:
  virtual ~DraftHead() = default;
  // hidden [R, d_drafter] (post final norm) -> int64 token ids [R] on the hidden's device.
  virtual absl::StatusOr<at::Tensor> Tokens(const at::Tensor& hidden) const = 0;
  // Whether the tokens of earlier rows change when later rows are added
  // (sequence adapters): see DrafterCapabilities::revises_speculation.
  virtual bool revises() const { return false; }
};

}  // namespace xsd
