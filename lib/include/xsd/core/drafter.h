// Drafter: proposes tokens for the target to verify.
//
// Call order for one request:
//   Begin(context)              once; a drafter with its own prefill (cross-modal
//                               EventGPT) runs it here, possibly concurrently
//                               with the target's prefill on another device
//   repeat {
//     Propose(spec)             extends the current speculation; may be called
//                               several times before an Observe (the prefill-
//                               hiding scheduler asks for one token at a time
//                               until the target's prefill ends)
//     Observe(outcome)          the verification result: tokens now committed
//                               to the output; the speculation is reset to the
//                               committed sequence (the drafter rolls back)
//   }
// The drafter's view of the output sequence is exactly the tokens given to
// Observe, in order; the first Observe of a request carries the target's first
// token (from its prefill).
//
// Ownership and threading: a Drafter owns its weights and caches and holds
// non-owning pointers to anything it borrows (the target's LM head, an
// oracle). Calls on one instance never overlap but may come from different
// threads. Errors are returned, never thrown.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "xsd/core/draft.h"
#include "xsd/core/sampling.h"
#include "xsd/core/types.h"
#include "xsd/core/verifier.h"

namespace xsd {

// Branch on capabilities, not on concrete types.
struct DrafterCapabilities {
  bool own_prefill = false;          // has a prefill of its own (can hide behind the target's)
  bool supports_trees = false;       // Propose honours DraftSpec::tree
  bool samples = false;              // fills Draft::probs when sampling params are stochastic
  bool needs_target_features = false;  // wants TargetFeedback in Observe
  // Drafts may depend on later context (a non-causal sequence adapter such as
  // L4 maps all hidden states of the speculation in one pass): the
  // prefill-hiding scheduler asks Speculation() for the final chain at the
  // join and verifies that instead of the tokens Propose returned.
  bool revises_speculation = false;
  // Draft ids are ids of the drafter's own vocabulary (not mapped through the
  // target's LM head): the pipeline checks that both tokenizers agree on them.
  bool own_vocabulary = false;
};

// EAGLE-2 style dynamic tree: expand top_k children per node, keep the top_k
// of top_k^2 candidates per depth by cumulative log-probability, then keep the
// best total_tokens nodes overall.
struct TreeSpec {
  int top_k = 4;
  int depth = 4;
  int total_tokens = 16;
};

struct DraftSpec {
  int max_tokens = 1;               // chains: tokens to add to the speculation
  std::optional<TreeSpec> tree;     // set: build a whole tree (replaces the speculation)
};

struct DraftContext {
  const Request* request = nullptr;  // not owned; outlives the request
  SamplingParams sampling;           // the acceptance policy's transform
  uint64_t seed = 0;                 // drafter sampling seed for this request
};

// Features of the target for the positions just committed (see
// Verifier::committed_hidden). Pointers are not owned and valid during Observe.
struct TargetFeedback {
  const at::Tensor* hidden = nullptr;        // [rows, hidden]
  const at::Tensor* input_embeds = nullptr;  // [rows, hidden]
  int first_position = 0;                    // position of row 0 in the target's sequence
};

struct RoundOutcome {
  // Tokens appended to the output by this round: the accepted draft tokens,
  // then the bonus/correction token (which becomes the new pending token).
  absl::Span<const TokenId> committed;
  // Indices (into the speculation proposed since the last Observe) of the
  // accepted draft nodes, root to leaf. Empty when nothing was accepted or
  // nothing was proposed.
  absl::Span<const int32_t> accepted_nodes;
  TargetFeedback target;
};

// A drafter that keeps its model's post-norm hidden state for every generated
// position lends them to fused heads (L5F reads EventGPT's states beside the
// target's). Row j of GeneratedStates is the state that predicted output
// token j + 1 (row 0: the last prompt position). Rows past the committed
// output follow the drafter's own continuation; the stream decodes as far as
// asked, up to max_generated_states() rows (its cache). Valid until the
// drafter's next call.
class FeatureStream {
 public:
  virtual ~FeatureStream() = default;
  virtual absl::StatusOr<at::Tensor> GeneratedStates(int count) = 0;
  // The largest count GeneratedStates accepts for the current request.
  virtual int max_generated_states() const = 0;
};

class Drafter {
 public:
  virtual ~Drafter() = default;

  virtual const ModelInfo& info() const = 0;
  virtual DrafterCapabilities capabilities() const = 0;

  virtual absl::Status Begin(const DraftContext& context) = 0;
  // Returns only the new nodes, parents relative to the returned draft: for a
  // chain, a root (-1) continues the speculation's last node (or the pending
  // token when nothing was proposed since the last Observe). A tree replaces
  // the speculation. May return fewer nodes than asked (cache full).
  virtual absl::StatusOr<Draft> Propose(const DraftSpec& spec) = 0;
  virtual absl::Status Observe(const RoundOutcome& outcome) = 0;

  // Only for capabilities().revises_speculation: the whole chain proposed
  // since the last Observe, re-derived from everything the drafter has now.
  virtual absl::StatusOr<Draft> Speculation() {
    return absl::UnimplementedError("this drafter does not revise its speculation");
  }

  // The tokenizer its prompts are built with; nullptr when none.
  virtual const Tokenizer* tokenizer() const { return nullptr; }

  // Its hidden-state stream, when it has one (not owned by the caller).
  virtual FeatureStream* feature_stream() { return nullptr; }

  // Breakdown of the drafter's own prefill (zeros when it has none).
  virtual const PrefillBreakdown& prefill_breakdown() const = 0;
};

}  // namespace xsd
