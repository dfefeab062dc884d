#include "generation_state.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"

namespace xsd {

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kMaxTokens: return "max_tokens";
    case FinishReason::kEos: return "eos";
    case FinishReason::kCacheFull: return "cache_full";
  }
  return "?";
}

}  // namespace xsd

namespace xsd::internal {

GenerationState::GenerationState(const Request& request, const SchedulerOptions& options, const ModelInfo& target,
                                 GenerationResult* result)
    : result_(result),
      max_new_tokens_(request.max_new_tokens > 0 ? request.max_new_tokens : options.max_new_tokens),
      eos_(target.eos_token),
      rng_(MixHash(options.seed, request.seed)),
      drafter_seed_(MixHash(MixHash(options.seed, request.seed), 0xD4AF7ull)),
      start_(Now()) {
  record_margins_ = options.record_margins;
  gamma_ = options.gamma;
  *result_ = GenerationResult();
}

int GenerationState::Emit(absl::Span<const TokenId> tokens, absl::Span<const float> margins) {
  int kept = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const TokenId t = tokens[i];
    if (done_) break;
    result_->tokens.push_back(t);
    if (record_margins_) {
      result_->margins.push_back(i < margins.size() ? margins[i] : std::numeric_limits<float>::quiet_NaN());
    }
    ++kept;
    if (t == eos_) {
      Finish(FinishReason::kEos);
    } else if (static_cast<int>(result_->tokens.size()) >= max_new_tokens_) {
      Finish(FinishReason::kMaxTokens);
    }
  }
  if (kept > 0) {
    const TimePoint now = Now();
    if (result_->tokens.size() == static_cast<size_t>(kept)) {
      first_token_ = now;
      result_->times.ttft_ms = Since(now);
    }
    last_token_ = now;
  }
  result_->stats.new_tokens = static_cast<int64_t>(result_->tokens.size());
  return kept;
}

void GenerationState::Finish(FinishReason reason) {
  done_ = true;
  result_->finish = reason;
}

void GenerationState::AddEvent(const std::string& lane, const std::string& phase, TimePoint begin, TimePoint end,
                               int tokens, int accepted) {
  result_->timeline.push_back({lane, phase, Since(begin), Since(end), tokens, accepted});
}

DraftSpec GenerationState::NextDraftSpec(const SchedulerOptions& options) const {
  DraftSpec spec;
  const int gamma = options.adaptive_gamma && !options.tree.has_value() ? gamma_ : options.gamma;
  spec.max_tokens = std::max(0, std::min(gamma, remaining()));
  if (options.tree.has_value()) {
    TreeSpec tree = *options.tree;
    tree.depth = std::max(1, std::min(tree.depth, remaining()));
    spec.tree = tree;
  }
  return spec;
}

void GenerationState::AdaptGamma(const SchedulerOptions& options, int drafted, int accepted) {
  if (!options.adaptive_gamma || options.tree.has_value() || drafted <= 0) return;
  gamma_ = accepted >= drafted ? std::min(options.gamma, gamma_ + 2) : std::max(1, gamma_ - 1);
}

void GenerationState::Close() {
  const TimePoint now = Now();
  result_->times.total_ms = Since(now);
  if (!result_->tokens.empty()) result_->times.decode_ms = MillisBetween(first_token_, last_token_);
}

absl::StatusOr<TargetOutput> PrefillTarget(GenerationState& state, Verifier& target, const AcceptancePolicy& policy,
                                           const Request& request) {
  const TimePoint begin = Now();
  OutputRequest out;
  out.logits = policy.needs_target_logits();
  out.margins = state.record_margins();
  auto output = target.Prefill(request, out);
  if (!output.ok()) return Annotate(output.status(), absl::StrCat("target '", target.info().name, "' prefill"));
  const TimePoint end = Now();
  GenerationResult& r = state.result();
  r.times.target_prefill_ms += MillisBetween(begin, end);
  r.target_prefill = target.prefill_breakdown();
  ++r.stats.target_forwards;
  state.AddEvent("target", "prefill", begin, end);
  auto first = policy.Accept(Draft(), *output, &state.rng());
  if (!first.ok()) return Annotate(first.status(), "first token");
  std::vector<float> first_margin;
  if (!output->margins.empty()) first_margin.push_back(output->margins[0]);
  state.Emit({first->next}, first_margin);
  if (target.cache_length() + 1 > target.info().max_seq_len) state.Finish(FinishReason::kCacheFull);
  return output;
}

absl::StatusOr<RoundResult> RunRound(GenerationState& state, Verifier& target, const AcceptancePolicy& policy,
                                     Draft draft) {
  GenerationResult& r = state.result();
  const int room = target.info().max_seq_len - target.cache_length() - 1;  // rows left after the pending token
  if (room < 0) {
    state.Finish(FinishReason::kCacheFull);
    return RoundResult();
  }
  // At most the rows the target verifies exactly (ModelInfo::max_verify_rows).
  const int most = target.info().max_verify_rows > 0 ? std::min(room, target.info().max_verify_rows - 1) : room;
  if (draft.size() > most) draft.TruncateChain(most);  // topological order: a prefix is still a valid tree

  const TimePoint verify_begin = Now();
  OutputRequest out;
  out.logits = policy.needs_target_logits();
  out.margins = state.record_margins();
  auto output = target.Verify(state.pending(), draft, out);
  if (!output.ok()) {
    return Annotate(output.status(), absl::StrCat("target '", target.info().name, "' verify, round ", r.stats.rounds + 1));
  }
  const TimePoint verify_end = Now();
  r.times.verify_ms += MillisBetween(verify_begin, verify_end);
  ++r.stats.rounds;
  ++r.stats.target_forwards;

  RoundResult round;
  auto accepted = policy.Accept(draft, *output, &state.rng());
  if (!accepted.ok()) return Annotate(accepted.status(), "acceptance");
  round.accept = std::move(accepted).value();
  std::vector<TokenId> emitted;
  for (int32_t node : round.accept.path) emitted.push_back(draft.tokens[node]);
  emitted.push_back(round.accept.next);
  // Emitted token k was chosen on row 0 (k = 0) or on the row of path node k - 1.
  std::vector<float> margins;
  if (!output->margins.empty()) {
    margins.push_back(output->margins[0]);
    for (int32_t node : round.accept.path) margins.push_back(output->margins[node + 1]);
  }
  const int kept = state.Emit(emitted, margins);
  round.committed.assign(emitted.begin(), emitted.begin() + kept);
  // The last emitted token is the new pending token and is not in the cache.
  const int kept_nodes = std::min(static_cast<int>(round.accept.path.size()), kept - 1);
  round.kept_nodes.assign(round.accept.path.begin(), round.accept.path.begin() + std::max(0, kept_nodes));

  // Statistics count emitted tokens only (docs/metrics.md).
  const int accepted_emitted = std::min(static_cast<int>(round.accept.path.size()), kept);
  r.stats.drafted += draft.size();
  r.stats.accepted += accepted_emitted;
  if (kept > static_cast<int>(round.accept.path.size())) ++r.stats.bonus;
  const std::vector<int> depths = draft.Depths();
  std::vector<bool> on_path(draft.size(), false);
  for (int i = 0; i < accepted_emitted; ++i) on_path[round.accept.path[i]] = true;
  for (int i = 0; i < draft.size(); ++i) r.stats.RecordDraftDepth(depths[i], on_path[i]);

  absl::Status commit = target.Commit(round.kept_nodes);
  if (!commit.ok()) return Annotate(commit, absl::StrCat("target '", target.info().name, "' commit, round ", r.stats.rounds));
  const TimePoint accept_end = Now();
  r.times.accept_ms += MillisBetween(verify_end, accept_end);
  state.AddEvent("target", draft.empty() ? "decode" : "verify", verify_begin, accept_end, kept, accepted_emitted);
  if (!state.done() && target.cache_length() + 1 > target.info().max_seq_len) state.Finish(FinishReason::kCacheFull);
  return round;
}

absl::Status DecodeRounds(GenerationState& state, Verifier& target, const AcceptancePolicy& policy, Drafter* drafter,
                          const SchedulerOptions& options) {
  while (!state.done()) {
    Draft draft;
    if (drafter != nullptr) {
      XSD_ASSIGN_OR_RETURN(draft, ProposeTimed(state, *drafter, state.NextDraftSpec(options)));
    }
    const int drafted = draft.size();
    XSD_ASSIGN_OR_RETURN(RoundResult round, RunRound(state, target, policy, std::move(draft)));
    state.AdaptGamma(options, drafted, static_cast<int>(round.accept.path.size()));
    if (drafter != nullptr && !state.done()) {
      const TimePoint begin = Now();
      XSD_RETURN_IF_ERROR(NotifyDrafter(*drafter, target, round.committed, round.kept_nodes));
      state.result().times.accept_ms += MillisBetween(begin, Now());
    }
  }
  return absl::OkStatus();
}

absl::Status NotifyDrafter(Drafter& drafter, const Verifier& target, absl::Span<const TokenId> committed,
                           absl::Span<const int32_t> accepted_nodes) {
  RoundOutcome outcome;
  outcome.committed = committed;
  outcome.accepted_nodes = accepted_nodes;
  if (const TargetFeatures* features = target.features()) {
    outcome.target.hidden = features->committed_hidden();
    outcome.target.input_embeds = features->committed_input_embeds();
  }
  return Annotate(drafter.Observe(outcome), absl::StrCat("drafter '", drafter.info().name, "' observe"));
}

absl::StatusOr<Draft> ProposeTimed(GenerationState& state, Drafter& drafter, const DraftSpec& spec) {
  const TimePoint begin = Now();
  auto draft = drafter.Propose(spec);
  if (!draft.ok()) return Annotate(draft.status(), absl::StrCat("drafter '", drafter.info().name, "' propose"));
  const TimePoint end = Now();
  state.result().times.draft_ms += MillisBetween(begin, end);
  state.AddEvent("drafter", "draft", begin, end, draft->size());
  return draft;
}

absl::Status ValidateOptions(const SchedulerOptions& o) {
  if (o.max_new_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_new_tokens: must be >= 1, got ", o.max_new_tokens));
  }
  if (o.gamma < 0) return absl::InvalidArgumentError(absl::StrCat("scheduler.gamma: must be >= 0, got ", o.gamma));
  if (o.max_free_tokens < 0) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler.max_free_tokens: must be >= 0, got ", o.max_free_tokens));
  }
  if (o.tree.has_value()) {
    if (o.tree->top_k < 1) return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.top_k: must be >= 1, got ", o.tree->top_k));
    if (o.tree->depth < 1) return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.depth: must be >= 1, got ", o.tree->depth));
    if (o.tree->total_tokens < 1) {
      return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.total_tokens: must be >= 1, got ", o.tree->total_tokens));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDrafterFits(const Drafter& drafter, const Verifier& target, const AcceptancePolicy& policy,
                              const SchedulerOptions& options, absl::string_view field) {
  const DrafterCapabilities caps = drafter.capabilities();
  if (options.tree.has_value() && !caps.supports_trees) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler.tree: ", field, " '", drafter.info().name,
                                                   "' drafts chains only"));
  }
  if (drafter.info().vocab_size > target.info().vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": drafter vocabulary ", drafter.info().vocab_size,
                                                   " exceeds the target's ", target.info().vocab_size));
  }
  if (!policy.sampling().greedy() && caps.samples && drafter.info().vocab_size != target.info().vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": stochastic acceptance needs equal vocabularies (drafter ",
                                                   drafter.info().vocab_size, ", target ", target.info().vocab_size, ")"));
  }
  return absl::OkStatus();
}

absl::Status BeginDrafter(GenerationState& state, Drafter& drafter, const DraftContext& context) {
  const TimePoint begin = Now();
  XSD_RETURN_IF_ERROR_CTX(drafter.Begin(context), absl::StrCat("drafter '", drafter.info().name, "' begin"));
  const TimePoint end = Now();
  state.result().times.drafter_prefill_ms += MillisBetween(begin, end);
  // A decode-phase drafter without a prefill of its own keeps the hiding
  // drafter's breakdown in the result.
  if (drafter.capabilities().own_prefill) state.result().drafter_prefill = drafter.prefill_breakdown();
  state.AddEvent("drafter", "prefill", begin, end);
  return absl::OkStatus();
}

}  // namespace xsd::internal
