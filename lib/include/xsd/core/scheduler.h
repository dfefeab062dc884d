// Scheduler: drives one request through a Verifier and optional Drafters until
// max_new_tokens or EOS, and reports the same statistics whatever it does.
//
// Ownership: a Scheduler holds non-owning pointers to its models and policy
// (owned by the Pipeline that built it, which outlives it). One Generate at a
// time per instance; a scheduler may run models on worker threads inside
// Generate and joins them before returning.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/drafter.h"
#include "xsd/core/stats.h"
#include "xsd/core/types.h"

namespace xsd {

enum class FinishReason { kMaxTokens, kEos, kCacheFull };
const char* FinishReasonName(FinishReason reason);

struct GenerationResult {
  std::vector<TokenId> tokens;     // emitted tokens (EOS included when it ended the request)
  FinishReason finish = FinishReason::kMaxTokens;
  SpecStats stats;
  PhaseTimes times;
  PrefillBreakdown target_prefill;
  PrefillBreakdown drafter_prefill;
  std::vector<TimelineEvent> timeline;
  // With SchedulerOptions::record_margins and a verifier that reports them:
  // per emitted token, the target's top-1 minus top-2 logit on the row that
  // produced it (NaN where unknown); else empty.
  std::vector<float> margins;
};

struct SchedulerOptions {
  int max_new_tokens = 50;
  // A round verifies at most the target's ModelInfo::max_verify_rows - 1
  // drafts (63 for a LLaMA target under row-invariant numerics), and no more
  // than its cache has room for: a longer chain or tree is cut (topological
  // order), the cut drafts neither counted nor verified.
  int gamma = 4;                       // draft tokens per round (chains); 0 = no drafting
  std::optional<TreeSpec> tree;        // set: draft trees
  int max_free_tokens = 64;            // prefill hiding: cap on drafts made during the target prefill
  bool concurrent = true;              // prefill hiding: drafter on its own thread
  // Prefill hiding: the first hidden draft predicts the token the target's
  // prefill produces itself. false: drop it; true: gate on it (mismatch drops
  // all hidden drafts).
  bool gate_on_first_draft = false;
  uint64_t seed = 0;                   // combined with Request::seed
  bool record_margins = false;         // fill GenerationResult::margins
  // Prefill hiding without decode-phase drafting (gamma 0, no tree): when
  // its lane's prefill took over 1.2x the target's on recent requests,
  // skip the lane (it could hide nothing and, on a shared GPU, would slow the
  // target); every 8th request runs it again to re-measure.
  bool skip_slow_lane = true;
  // Chains: each request starts at `gamma` drafts per round; after a round
  // that accepted every draft the length grows by 2 (at most `gamma`), after
  // any rejection it shrinks by 1 (at least 1). Trees keep their shape.
  bool adaptive_gamma = false;
  // Prefill hiding: runs the lane's work on the lane's own thread with the
  // per-thread runtime state its models need (a torch pipeline's: the
  // caller's intra-op thread count, inference mode; a new thread would start
  // with OpenMP's default of one thread per core and, beside the target,
  // oversubscribe the cores: 10x slower drafter vision measured on 2 cores).
  // Pipeline::Create sets it; empty runs the work as it is.
  std::function<void(const std::function<void()>&)> lane_thread_state;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual const std::string& name() const = 0;
  virtual absl::StatusOr<GenerationResult> Generate(const Request& request) = 0;
};

}  // namespace xsd
