// Verifier: the target model, which has the final say on every token.
//
// Call order for one request:
//   Prefill(request)                       -> row 0 predicts the first output token
//   repeat { Verify(pending, draft)        -> rows 0..draft.size()
//            Commit(kept_nodes) }          -> cache keeps pending + kept nodes
// An autoregressive step is Verify(pending, empty draft) + Commit({}).
// Prefill starts a new request and discards any earlier one.
//
// Cache contract: after Prefill the cache holds the prompt; the pending token
// (the last emitted token) is never in the cache until a Verify consumes it.
// Verify writes tentative rows for [pending, nodes...]; Commit keeps the rows
// of the pending token and of `kept_nodes` (a root-to-node path, in order),
// compacted into contiguous positions, and drops the rest in O(1).
//
// Ownership and threading: a Verifier owns its weights and its KV cache. One
// request at a time; calls on one instance must not overlap, but may come
// from different threads (the prefill-hiding scheduler runs Prefill on a
// worker thread). Errors are returned, never thrown.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "xsd/core/draft.h"
#include "xsd/core/target_output.h"
#include "xsd/core/types.h"

namespace xsd {

// Where prefill time went (milliseconds), for the three-stage timing report.
struct PrefillBreakdown {
  double media_ms = 0;   // decoding images / video frames and preprocessing
  double vision_ms = 0;  // vision tower + projector
  double llm_ms = 0;     // language-model prefill
  int prompt_tokens = 0; // positions written to the cache (visual tokens included)
};

// A target's tensors that drafters reuse, all on the target's device.
class TargetFeatures {
 public:
  virtual ~TargetFeatures() = default;
  // The output head and the input embedding table [vocab, hidden]: adapters
  // map into the target's space and draft through its LM head; EAGLE embeds
  // tokens with its table. Immutable; valid for the verifier's lifetime.
  virtual const at::Tensor* lm_head() const = 0;
  virtual const at::Tensor* embedding_table() const = 0;
  // Post-final-norm hidden states and input embeddings of the rows the last
  // Prefill or Commit committed ([rows, hidden]); nullptr before any. Valid
  // until the verifier's next call.
  virtual const at::Tensor* committed_hidden() const = 0;
  virtual const at::Tensor* committed_input_embeds() const = 0;
};

class Verifier {
 public:
  virtual ~Verifier() = default;

  virtual const ModelInfo& info() const = 0;

  virtual absl::StatusOr<TargetOutput> Prefill(const Request& request, const OutputRequest& out) = 0;
  virtual absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& draft,
                                              const OutputRequest& out) = 0;
  virtual absl::Status Commit(absl::Span<const int32_t> kept_nodes) = 0;

  // Positions currently committed in the cache.
  virtual int cache_length() const = 0;
  virtual const PrefillBreakdown& prefill_breakdown() const = 0;

  // The tokenizer the model's prompts are built with; nullptr when none.
  virtual const Tokenizer* tokenizer() const { return nullptr; }
  // What the target shares with drafters that draft from its features
  // (adapters, EAGLE, L5 / B1 / L5F); nullptr when it shares none.
  virtual const TargetFeatures* features() const { return nullptr; }
};

}  // namespace xsd
