// Cross-modal prefill hiding: the drafter prefills and drafts while the
// target prefills; see schedulers.h and docs/architecture.md.
#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <string>

#include "absl/strings/str_cat.h"
#include "generation_state.h"
#include "lane_worker.h"
#include "xsd/base/status.h"
#include "xsd/schedulers/schedulers.h"

namespace xsd {
namespace {

// What the drafter lane did while the target prefilled.
struct HiddenLane {
  absl::Status status;
  Draft speculation;                  // chain; node 0 predicts the target's first token
  std::vector<TimePoint> done_at;     // completion time of each node
  TimePoint begin{}, prefill_end{}, end{};
  double draft_ms = 0;
  struct Span { TimePoint begin, end; int tokens; };
  std::vector<Span> drafts;
};

class PrefillHidingScheduler final : public Scheduler {
 public:
  PrefillHidingScheduler(Verifier* target, Drafter* hiding, Drafter* decode, const AcceptancePolicy* policy,
                         const SchedulerOptions& options)
      : target_(target), hiding_(hiding), decode_(decode), policy_(policy), options_(options),
        worker_(options.lane_thread_state) {}

  const std::string& name() const override { return name_; }

  ~PrefillHidingScheduler() override {
    if (background_ != nullptr) background_->Wait();
  }

  // One request in four phases: the target's prefill with the drafter lane
  // beside it, the lane's chain as its drafter finally proposes it, the
  // hidden drafts verified in one round, then the decode rounds.
  absl::StatusOr<GenerationResult> Generate(const Request& request) override {
    XSD_RETURN_IF_ERROR(FinishBackgroundLane());
    GenerationResult result;
    internal::GenerationState state(request, options_, target_->info(), &result);
    const DraftContext context{&request, policy_->sampling(), state.drafter_seed()};
    XSD_ASSIGN_OR_RETURN(Draft speculation, PrefillBesideLane(state, request, context));
    XSD_RETURN_IF_ERROR(ReviseSpeculation(state, &speculation));
    XSD_ASSIGN_OR_RETURN(const std::vector<TokenId> committed, VerifyHiddenDrafts(state, speculation, context));
    if (!state.done() && decode_drafting() && !separate_decoder()) {
      // The hiding drafter continues: its speculation is right as far as it
      // matches the committed tokens.
      std::vector<int32_t> kept;
      while (static_cast<int>(kept.size()) < speculation.size() && kept.size() < committed.size() &&
             speculation.tokens[kept.size()] == committed[kept.size()]) {
        kept.push_back(static_cast<int32_t>(kept.size()));
      }
      XSD_RETURN_IF_ERROR(internal::NotifyDrafter(*hiding_, *target_, committed, kept));
    }
    Drafter* decoder = separate_decoder() ? decode_ : hiding_;
    XSD_RETURN_IF_ERROR(
        internal::DecodeRounds(state, *target_, *policy_, decode_drafting() ? decoder : nullptr, options_));
    state.Close();
    return result;
  }

 private:
  // One request's drafter lane, owned here so a late lane can outlive it.
  struct LaneRun {
    Request request;        // the lane's own copy: Begin reads it
    DraftContext context;   // points at `request`
    HiddenLane lane;
    std::atomic<bool> target_done{false};
    std::atomic<bool> prefilling{true};
    std::future<void> finished;  // valid while the lane is on the worker
    void Wait() {
      if (finished.valid()) finished.get();
    }
  };

  // How the lane runs beside this request's prefill: skipped (recent
  // requests showed it cannot finish its prefill first, and nothing drafts
  // after the prefill), on its own thread, or after the target for as long
  // as the target's prefill took (the research pipeline's sequential
  // simulation).
  enum class LaneMode { kSkipped, kConcurrent, kSequential };

  bool decode_drafting() const { return options_.gamma > 0 || options_.tree.has_value(); }
  std::string hiding_name() const { return absl::StrCat("hiding drafter '", hiding_->info().name, "'"); }
  bool separate_decoder() const { return decode_ != nullptr && decode_ != hiding_; }

  LaneMode ChooseLaneMode() {
    const bool skip = options_.concurrent && options_.skip_slow_lane && !decode_drafting() &&
                      lane_prefill_ms_ > 1.2 * target_prefill_ms_ && target_prefill_ms_ > 0 &&
                      requests_ % kReprobeEvery != 0;
    ++requests_;
    if (skip) return LaneMode::kSkipped;
    return options_.concurrent ? LaneMode::kConcurrent : LaneMode::kSequential;
  }

  // Phase 1: the target's prefill (its first token into the result) with the
  // lane beside it; returns the lane's chain, whose node 0 predicts that
  // first token (empty when the lane was skipped or late). A lane still in
  // its own prefill when the target's is done has no hidden drafts to
  // offer; when nothing drafts in the decode phase the request goes on
  // without it and it finishes in the background (joined by the next
  // Generate or the destructor).
  absl::StatusOr<Draft> PrefillBesideLane(internal::GenerationState& state, const Request& request,
                                          const DraftContext& context) {
    const int cap = std::min(options_.max_free_tokens, state.max_new_tokens());
    // The lane's state lives on the heap: a late lane may outlive this call.
    auto run = std::make_unique<LaneRun>();
    run->request = request;
    run->context = DraftContext{&run->request, context.sampling, context.seed};
    LaneRun* const current = run.get();
    struct JoinOnExit {  // every early return joins a lane that did not go to the background
      std::unique_ptr<LaneRun>* run;
      ~JoinOnExit() {
        if (*run != nullptr) (*run)->Wait();
      }
    } join_on_exit{&run};
    TimePoint target_begin{}, target_end{};
    const auto prefill_target = [&] {
      target_begin = Now();
      auto out = internal::PrefillTarget(state, *target_, *policy_, request);
      target_end = Now();
      return out;
    };
    const LaneMode mode = ChooseLaneMode();
    absl::StatusOr<TargetOutput> prefill;
    bool lane_late = false;
    switch (mode) {
      case LaneMode::kSkipped:
        prefill = prefill_target();
        break;
      case LaneMode::kConcurrent:
        run->finished = worker_.Post([this, current, cap] {
          RunLane(current, cap, [current] { return !current->target_done.load(std::memory_order_acquire); });
        });
        prefill = prefill_target();
        run->target_done.store(true, std::memory_order_release);
        lane_late = !decode_drafting() && run->prefilling.load(std::memory_order_acquire);
        if (!lane_late) run->Wait();
        break;
      case LaneMode::kSequential: {
        prefill = prefill_target();
        const double budget_ms = MillisBetween(target_begin, target_end);
        RunLane(current, cap, [current, budget_ms] { return MillisBetween(current->lane.begin, Now()) < budget_ms; });
        break;
      }
    }
    const TimePoint joined = lane_late ? target_end : Now();
    XSD_RETURN_IF_ERROR(prefill.status());
    if (mode == LaneMode::kSkipped) {
      state.AddEvent("drafter", "skipped", target_begin, target_begin);
      return Draft();
    }
    if (lane_late) {
      state.AddEvent("drafter", "late", target_end, target_end);
      target_prefill_ms_ = MillisBetween(target_begin, target_end);
      background_ = std::move(run);  // finishes its prefill after this request returns
      return Draft();
    }
    XSD_RETURN_IF_ERROR_CTX(run->lane.status, absl::StrCat(hiding_name(), ", its lane beside the target's prefill"));
    RecordLane(state, run->lane, target_begin, target_end, joined);
    return std::move(run->lane.speculation);
  }

  // Phase 2: drafters that map their states through an adapter give the
  // chain they propose now that the lane is over (same length and shape).
  absl::Status ReviseSpeculation(internal::GenerationState& state, Draft* speculation) {
    if (!hiding_->capabilities().revises_speculation || speculation->size() == 0) return absl::OkStatus();
    const TimePoint begin = Now();
    auto final_chain = hiding_->Speculation();
    if (!final_chain.ok()) return Annotate(final_chain.status(), absl::StrCat(hiding_name(), " speculation"));
    if (final_chain->size() != speculation->size() || !final_chain->IsChain()) {
      return absl::InternalError(absl::StrCat(hiding_name(), ": Speculation() changed the chain's length or shape"));
    }
    *speculation = std::move(final_chain).value();
    state.result().times.draft_ms += MillisBetween(begin, Now());
    state.AddEvent("drafter", "adapter", begin, Now(), speculation->size());
    return absl::OkStatus();
  }

  // Phase 3: the chain past its first node (the target's own prefill made
  // the first token), verified in one round unless the first node missed
  // and the options gate on it; a separate decode drafter begins and learns
  // what was committed. Returns every token committed so far.
  absl::StatusOr<std::vector<TokenId>> VerifyHiddenDrafts(internal::GenerationState& state, const Draft& speculation,
                                                          const DraftContext& context) {
    GenerationResult& result = state.result();
    const TokenId first = result.tokens.front();
    const bool first_matches = speculation.size() >= 1 && speculation.tokens[0] == first;
    Draft hidden;
    if (speculation.size() >= 2 && (first_matches || !options_.gate_on_first_draft)) {
      for (int i = 1; i < speculation.size(); ++i) {
        hidden.Add(speculation.tokens[i], hidden.size() - 1,
                   speculation.has_probs() ? speculation.Probs(i) : absl::Span<const float>());
      }
    }
    const bool tell_decoder = separate_decoder() && decode_drafting();
    if (tell_decoder && !state.done()) {
      XSD_RETURN_IF_ERROR(internal::BeginDrafter(state, *decode_, context));
      XSD_RETURN_IF_ERROR(internal::NotifyDrafter(*decode_, *target_, result.tokens, {}));
    }
    std::vector<TokenId> committed = result.tokens;  // [first]
    if (state.done() || hidden.empty()) return committed;
    const int64_t drafted_before = result.stats.drafted, accepted_before = result.stats.accepted;
    XSD_ASSIGN_OR_RETURN(internal::RoundResult round, internal::RunRound(state, *target_, *policy_, hidden));
    // Counted as verified: what RunRound sent (it cuts what the cache cannot hold).
    result.stats.hidden_drafts_verified = result.stats.drafted - drafted_before;
    result.stats.hidden_drafts_accepted = result.stats.accepted - accepted_before;
    committed.insert(committed.end(), round.committed.begin(), round.committed.end());
    if (tell_decoder && !state.done()) {
      XSD_RETURN_IF_ERROR(internal::NotifyDrafter(*decode_, *target_, round.committed, {}));
    }
    return committed;
  }

  void RecordLane(internal::GenerationState& state, const HiddenLane& lane, TimePoint target_begin,
                  TimePoint target_end, TimePoint joined) {
    lane_prefill_ms_ = MillisBetween(lane.begin, lane.prefill_end);
    target_prefill_ms_ = MillisBetween(target_begin, target_end);
    GenerationResult& r = state.result();
    r.times.drafter_prefill_ms += MillisBetween(lane.begin, lane.prefill_end);
    r.times.draft_ms += lane.draft_ms;
    r.times.sync_ms += std::max(0.0, MillisBetween(target_end, joined));
    r.drafter_prefill = hiding_->prefill_breakdown();
    state.AddEvent("drafter", "prefill", lane.begin, lane.prefill_end);
    for (const auto& d : lane.drafts) state.AddEvent("drafter", "draft", d.begin, d.end, d.tokens);
    // The sequential simulation ran the lane after the target; shift it to
    // start with the target's prefill, as the concurrent run would have.
    const auto shift = options_.concurrent ? SteadyClock::duration::zero() : target_begin - lane.begin;
    int64_t free_tokens = 0;
    for (TimePoint t : lane.done_at) free_tokens += t + shift <= target_end ? 1 : 0;
    r.stats.free_tokens = free_tokens;
    const TimePoint lo = std::max(lane.begin + shift, target_begin);
    const TimePoint hi = std::min(lane.end + shift, target_end);
    r.stats.overlap_ms = hi > lo ? MillisBetween(lo, hi) : 0.0;
    r.stats.gap_ms = std::max(0.0, MillisBetween(target_end, lane.end + shift));
    if (lane.end > target_end) state.AddEvent("target", "idle", target_end, lane.end);
  }

  Verifier* target_;                // not owned
  Drafter* hiding_;                 // not owned
  Drafter* decode_;                 // not owned; may be null
  const AcceptancePolicy* policy_;  // not owned
  SchedulerOptions options_;
  std::string name_ = "prefill_hiding";
  // The drafter's prefill, then one-token drafts while keep_going().
  void RunLane(LaneRun* run, int cap, const std::function<bool()>& keep_going) {
    HiddenLane& lane = run->lane;
    const TokenId eos = target_->info().eos_token;
    lane.begin = Now();
    lane.status = Annotate(hiding_->Begin(run->context), "begin");
    lane.prefill_end = Now();
    lane.end = lane.prefill_end;
    run->prefilling.store(false, std::memory_order_release);
    if (!lane.status.ok()) return;
    while (keep_going() && lane.speculation.size() < cap) {
      const TimePoint b = Now();
      auto d = hiding_->Propose(DraftSpec{1, std::nullopt});
      if (!d.ok()) {
        lane.status = Annotate(d.status(), "propose");
        return;
      }
      if (d->empty()) break;
      lane.speculation.Extend(*d, lane.speculation.size() - 1);
      lane.end = Now();
      lane.draft_ms += MillisBetween(b, lane.end);
      lane.drafts.push_back({b, lane.end, d->size()});
      for (int i = 0; i < d->size(); ++i) lane.done_at.push_back(lane.end);
      // A chain that reached the target's EOS is over: drafts past it are
      // never accepted, and the lane's work slows the target's prefill.
      if (eos != kNoToken && d->tokens.back() == eos) break;
    }
  }

  // Joins the previous request's late lane: its prefill time feeds
  // skip_slow_lane; its error (the request itself had succeeded) is this
  // call's.
  absl::Status FinishBackgroundLane() {
    if (background_ == nullptr) return absl::OkStatus();
    std::unique_ptr<LaneRun> done = std::move(background_);
    done->Wait();
    lane_prefill_ms_ = MillisBetween(done->lane.begin, done->lane.prefill_end);
    return Annotate(done->lane.status,
                    absl::StrCat(hiding_name(), ", the previous request's lane (finished in the background)"));
  }

  std::unique_ptr<LaneRun> background_;  // a late lane still finishing
  internal::LaneWorker worker_;         // runs the concurrent lanes
  // The last measured prefills of the lane and the target (skip_slow_lane).
  static constexpr int kReprobeEvery = 8;
  double lane_prefill_ms_ = 0, target_prefill_ms_ = 0;
  int64_t requests_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakePrefillHidingScheduler(Verifier* target, Drafter* hiding_drafter,
                                                                      Drafter* decode_drafter,
                                                                      const AcceptancePolicy* policy,
                                                                      const SchedulerOptions& options) {
  if (target == nullptr || policy == nullptr) return absl::InvalidArgumentError("prefill_hiding: missing target or policy");
  XSD_RETURN_IF_ERROR(internal::ValidateOptions(options));
  if (hiding_drafter == nullptr) return absl::InvalidArgumentError("drafter: prefill_hiding needs a drafter");
  if (options.tree.has_value() && decode_drafter == nullptr && !hiding_drafter->capabilities().supports_trees) {
    return absl::InvalidArgumentError("scheduler.tree: the drafter drafts chains only");
  }
  SchedulerOptions hiding_options = options;
  hiding_options.tree.reset();  // hidden drafts are chains
  XSD_RETURN_IF_ERROR(internal::CheckDrafterFits(*hiding_drafter, *target, *policy, hiding_options, "drafter"));
  if (decode_drafter != nullptr) {
    XSD_RETURN_IF_ERROR(internal::CheckDrafterFits(*decode_drafter, *target, *policy, options, "decode_drafter"));
  }
  return std::unique_ptr<Scheduler>(new PrefillHidingScheduler(target, hiding_drafter, decode_drafter, policy, options));
}

}  // namespace xsd
