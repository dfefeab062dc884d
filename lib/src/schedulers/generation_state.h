// Internal building blocks shared by the three schedulers: the per-request
// output/budget bookkeeping and one verification round. Written once, used by
// autoregressive.cc, speculative.cc and prefill_hiding.cc.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/base/clock.h"
#include "xsd/base/rng.h"
#include "xsd/core/acceptance.h"
#include "xsd/core/drafter.h"
#include "xsd/core/scheduler.h"
#include "xsd/core/verifier.h"

namespace xsd::internal {

class GenerationState {
 public:
  GenerationState(const Request& request, const SchedulerOptions& options, const ModelInfo& target,
                  GenerationResult* result);

  // Appends tokens to the output, stopping after EOS or at the token budget.
  // Returns how many were kept. `margins`: one per token (the target's
  // top-1 minus top-2 logit on the row that produced it), or empty.
  int Emit(absl::Span<const TokenId> tokens, absl::Span<const float> margins = {});
  bool record_margins() const { return record_margins_; }
  void Finish(FinishReason reason);
  bool done() const { return done_; }
  TokenId pending() const { return result_->tokens.back(); }
  int remaining() const { return max_new_tokens_ - static_cast<int>(result_->tokens.size()); }
  int max_new_tokens() const { return max_new_tokens_; }

  Rng& rng() { return rng_; }
  uint64_t drafter_seed() const { return drafter_seed_; }
  TimePoint start() const { return start_; }
  double Since(TimePoint t) const { return MillisBetween(start_, t); }
  void AddEvent(const std::string& lane, const std::string& phase, TimePoint begin, TimePoint end, int tokens = 0,
                int accepted = 0);
  GenerationResult& result() { return *result_; }

  // Draft size for the next round: gamma (or the adapted length, with
  // options.adaptive_gamma) capped by the remaining budget.
  DraftSpec NextDraftSpec(const SchedulerOptions& options) const;
  // With options.adaptive_gamma: the next chain length after a round that
  // verified `drafted` drafts and accepted `accepted` of them.
  void AdaptGamma(const SchedulerOptions& options, int drafted, int accepted);
  int gamma() const { return gamma_; }
  // Closes the request: total time, decode time.
  void Close();

 private:
  GenerationResult* result_;  // not owned
  int max_new_tokens_;
  TokenId eos_;
  bool record_margins_ = false;
  bool done_ = false;
  int gamma_ = 0;  // current chain length (adaptive_gamma)
  Rng rng_;
  uint64_t drafter_seed_;
  TimePoint start_;
  TimePoint first_token_{};
  TimePoint last_token_{};
};

struct RoundResult {
  AcceptResult accept;
  std::vector<TokenId> committed;   // tokens emitted by this round
  std::vector<int32_t> kept_nodes;  // draft nodes whose rows the target kept
};

// Target prefill + first token. Records timing, TTFT and the first emit.
absl::StatusOr<TargetOutput> PrefillTarget(GenerationState& state, Verifier& target, const AcceptancePolicy& policy,
                                           const Request& request);

// One round: Verify(pending, draft) -> Accept -> Emit -> Commit. The draft is
// cut to fit the target's cache; a full cache finishes the request.
absl::StatusOr<RoundResult> RunRound(GenerationState& state, Verifier& target, const AcceptancePolicy& policy,
                                     Draft draft);

// The decode phase, shared by every scheduler: rounds of Propose (when
// `drafter` is not null) -> RunRound -> Observe until the request is done.
// A null drafter is plain autoregressive decoding through the verify path.
absl::Status DecodeRounds(GenerationState& state, Verifier& target, const AcceptancePolicy& policy, Drafter* drafter,
                          const SchedulerOptions& options);

// Drafter::Observe with the target's committed features attached.
absl::Status NotifyDrafter(Drafter& drafter, const Verifier& target, absl::Span<const TokenId> committed,
                           absl::Span<const int32_t> accepted_nodes);

// Drafter::Propose timed into draft_ms and the timeline.
absl::StatusOr<Draft> ProposeTimed(GenerationState& state, Drafter& drafter, const DraftSpec& spec);

absl::Status ValidateOptions(const SchedulerOptions& options);

// Checks a drafter can serve this target and these options; `field` names the
// config field in errors ("drafter", "decode_drafter").
absl::Status CheckDrafterFits(const Drafter& drafter, const Verifier& target, const AcceptancePolicy& policy,
                              const SchedulerOptions& options, absl::string_view field);

// Drafter::Begin timed into drafter_prefill_ms and the timeline.
absl::Status BeginDrafter(GenerationState& state, Drafter& drafter, const DraftContext& context);

}  // namespace xsd::internal
