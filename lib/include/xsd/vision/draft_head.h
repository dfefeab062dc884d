// The adapter DraftHead (xsd/core/draft_head.h): argmax(lm_head_target(
// adapter(h))) (FACTS.md §1, §3): the adapter maps the drafter's post-norm
// state into the target's space and the target's LM head drafts.
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/core/draft_head.h"

namespace xsd {

class Adapter;

// The target's LM head [vocab, d_target] (not owned: the target outlives the
// drafter) after `adapter` (owned). Works across devices: rows go to the
// adapter, logits are computed on the LM head's device, tokens come back to
// the hidden states' device.
std::unique_ptr<DraftHead> MakeAdapterDraftHead(std::unique_ptr<Adapter> adapter, const at::Tensor* target_lm_head);

}  // namespace xsd
