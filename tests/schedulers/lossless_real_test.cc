// Losslessness at scale with real drafters on tiny real models: for every
// random case, greedy speculative output equals the target's greedy
// autoregressive output token for token, the target's KV cache holds the
// autoregressive run's rows after its prefill and after every commit
// (checked_target.h), the statistics satisfy the identities of
// docs/metrics.md, and, per drafter kind, drafts were really accepted.
//
// A group builds a target, its drafters and a reference target of one
// capacity and sends a few requests through them, each several times with
// its own scheduler and options (one case each); what drafters and targets
// carry from one request to the next is part of what is tested. A request's
// autoregressive reference is computed once, at the largest token budget:
// with a budget of n its output is the first n tokens of that.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checked_target.h"
#include "eventgpt_family.h"
#include "real_pipelines.h"
#include "xsd/base/rng.h"
#include "xsd/drafters/hidden_head_drafter.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::CheckedTarget;
using testing::RealDrafter;

// Drafts verified and accepted per drafter kind, over all cases.
struct KindTally {
  int64_t cases = 0, drafted = 0, accepted = 0;
};

struct Totals {
  int cases = 0, near_ties = 0, eos_endings = 0, cache_full = 0, trees = 0, adaptive = 0, threaded = 0,
      sequential = 0;
  int64_t cache_checks = 0;
  double max_cache_difference = 0;
  std::map<std::string, KindTally> kinds;
};

// Who drafted in a case: the hiding lane's drafter (prefill hiding) and the
// decode phase's; "" where none.
struct CaseKinds {
  std::string hiding, decode;
};

std::vector<TokenId> RandomPrompt(Rng& rng, int vocab, int capacity) {
  std::vector<TokenId> prompt(1 + rng.Below(std::min(12, capacity - 2)));
  for (TokenId& t : prompt) t = static_cast<TokenId>(rng.Below(vocab));
  return prompt;
}

constexpr int kMaxNewTokens = 16;

SchedulerOptions RandomOptions(Rng& rng, bool trees) {
  SchedulerOptions o;
  o.max_new_tokens = 1 + static_cast<int>(rng.Below(kMaxNewTokens));
  o.gamma = 1 + static_cast<int>(rng.Below(5));
  if (trees && rng.Below(2) == 0) {
    o.tree = TreeSpec{1 + static_cast<int>(rng.Below(3)), 1 + static_cast<int>(rng.Below(4)),
                      1 + static_cast<int>(rng.Below(12))};
  }
  o.adaptive_gamma = rng.Below(3) == 0;
  o.max_free_tokens = static_cast<int>(rng.Below(9));
  o.concurrent = rng.Below(2) == 0;
  o.gate_on_first_draft = rng.Below(2) == 0;
  o.seed = rng.NextU64();
  return o;
}

// Runs one request through `scheduler` and checks it against its reference
// (computed with kMaxNewTokens).
void RunCase(Scheduler& scheduler, CheckedTarget& target, const testing::Reference& reference, const Request& request,
             const CaseKinds& kinds, const SchedulerOptions& options, Totals& totals) {
  target.Expect(&reference);
  auto result = scheduler.Generate(request);
  target.Expect(nullptr);
  INFO("status " << result.status().ToString());
  REQUIRE(result.ok());
  const std::vector<TokenId> expected(
      reference.tokens.begin(),
      reference.tokens.begin() + std::min<size_t>(options.max_new_tokens, reference.tokens.size()));
  const int diff = testing::FirstDifference(result->tokens, expected);
  if (diff < 0) {
    // The cache ends with the prompt and every output token but the last.
    CHECK(target.cache_length() ==
          target.prefill_breakdown().prompt_tokens + static_cast<int>(result->tokens.size()) - 1);
  } else {
    // Only a near-tie of the target's own logits may flip a greedy choice.
    INFO("output parts from the reference at token " << diff << " of " << reference.tokens.size());
    REQUIRE(diff < static_cast<int>(reference.margins.size()));
    REQUIRE(reference.margins[diff] < testing::kNearTie);
    ++totals.near_ties;
    target.ClearMismatches();
  }
  INFO("cache: " << target.first_mismatch());
  REQUIRE(target.mismatches() == 0);
  testing::CheckStatsIdentities(*result);
  const SpecStats& s = result->stats;
  if (kinds.hiding.empty()) CHECK(s.hidden_drafts_verified == 0);
  if (kinds.decode.empty()) CHECK(s.drafted == s.hidden_drafts_verified);
  ++totals.cases;
  totals.eos_endings += result->finish == FinishReason::kEos;
  totals.cache_full += result->finish == FinishReason::kCacheFull;
  totals.trees += options.tree.has_value() && !kinds.decode.empty();
  totals.adaptive += options.adaptive_gamma && !options.tree.has_value() && !kinds.decode.empty();
  if (!kinds.hiding.empty()) {
    KindTally& k = totals.kinds["hiding " + kinds.hiding];
    ++k.cases;
    k.drafted += s.hidden_drafts_verified;
    k.accepted += s.hidden_drafts_accepted;
    totals.threaded += options.concurrent;
    totals.sequential += !options.concurrent;
  }
  if (!kinds.decode.empty()) {
    KindTally& k = totals.kinds[kinds.decode];
    ++k.cases;
    k.drafted += s.drafted - s.hidden_drafts_verified;
    k.accepted += s.accepted - s.hidden_drafts_accepted;
  }
}

void Absorb(const CheckedTarget& target, Totals& totals) {
  totals.cache_checks += target.checks();
  totals.max_cache_difference = std::max(totals.max_cache_difference, target.max_difference());
}

// One group over the LLaMA family in `dtype`: `kind` drafts in the decode
// phase, behind the speculative scheduler or after a LLaMA drafter's prefill
// hiding.
void RunLlamaGroup(Rng& rng, RealDrafter kind, int requests, int runs, Totals& totals,
                   at::ScalarType dtype = at::kFloat) {
  const testing::LlamaFamily& f = testing::LlamaFamily::Get(dtype);
  const int capacity = rng.Below(6) == 0 ? 12 + static_cast<int>(rng.Below(12)) : 256;
  const bool exact = rng.Below(2) == 0;
  CheckedTarget target(testing::MakeLlamaVerifier(f.target, capacity));
  auto reference_target = testing::MakeLlamaVerifier(f.target, capacity);
  const bool hiding = rng.Below(kind == RealDrafter::kLlama ? 3 : 2) == 0;
  // Prefill hiding: a LLaMA drafter hides behind the prefill (keeping hidden
  // rows for a fused L5F head, which borrows them); `kind` drafts afterwards
  // (kLlama: the hiding drafter itself).
  std::unique_ptr<LlamaDrafter> hider;
  if (hiding) {
    hider = testing::MakeLlamaDrafter(exact ? f.target : f.drafter, capacity, kind == RealDrafter::kL5F);
    target.SetPrefillDelay(std::chrono::microseconds(500));
  }
  std::unique_ptr<Drafter> decoder;
  if (!hiding || kind != RealDrafter::kLlama) {
    decoder = testing::MakeRealDrafter(kind, &target, capacity, exact, hiding ? hider.get() : nullptr, dtype);
  }
  auto greedy = MakeGreedyAcceptance();
  for (int q = 0; q < requests; ++q) {
    Request request;
    request.id = "llama " + std::to_string(totals.cases);
    request.prompt_tokens = RandomPrompt(rng, f.config.vocab_size, capacity);
    const testing::Reference reference = testing::RunReference(*reference_target, request, kMaxNewTokens);
    for (int run = 0; run < runs; ++run) {
      SchedulerOptions options = RandomOptions(rng, kind == RealDrafter::kEagle);
      CaseKinds kinds;
      absl::StatusOr<std::unique_ptr<Scheduler>> scheduler;
      if (hiding) {
        if (rng.Below(5) == 0) options.gamma = 0, options.tree.reset();  // nothing drafts after the prefill
        scheduler = MakePrefillHidingScheduler(&target, hider.get(), decoder.get(), greedy.get(), options);
        kinds.hiding = "llama";
        if (options.gamma > 0 || options.tree.has_value()) kinds.decode = testing::RealDrafterName(kind);
      } else {
        scheduler = MakeSpeculativeScheduler(&target, decoder.get(), greedy.get(), options);
        kinds.decode = testing::RealDrafterName(kind);
      }
      INFO("case " << totals.cases << ": " << (hiding ? "prefill_hiding" : "speculative") << ", drafter "
                   << testing::RealDrafterName(kind) << (exact ? " (exact)" : "") << ", capacity " << capacity
                   << ", gamma " << options.gamma << ", tree " << options.tree.has_value() << ", adaptive "
                   << options.adaptive_gamma << ", concurrent " << options.concurrent << ", max_new_tokens "
                   << options.max_new_tokens);
      INFO(scheduler.status().ToString());
      REQUIRE(scheduler.ok());
      RunCase(**scheduler, target, reference, request, kinds, options, totals);
    }
  }
  Absorb(target, totals);
}

// What drafts after EventGPT's hidden drafts.
enum class EventGptDecode { kNone, kSame, kL5F, kB1 };

// One group over the EventGPT family: EventGPT with `adapter` hides behind
// the target's prefill (or, one group in four, drafts in the decode phase of
// the speculative scheduler). A group in four has a cache that the prompt
// and at most 12 more rows fill.
void RunEventGptGroup(Rng& rng, AdapterKind adapter, int requests, int runs, Totals& totals) {
  const testing::EventGptFamily& f = testing::EventGptFamily::Get();
  std::vector<Request> batch;
  int longest = 0;
  for (int q = 0; q < requests; ++q) {
    batch.push_back(testing::RandomEventGptRequest(rng, "eventgpt " + std::to_string(totals.cases + q * runs)));
    longest = std::max(longest, f.PromptRows(batch.back()));
  }
  const int capacity = rng.Below(4) == 0 ? longest + 1 + static_cast<int>(rng.Below(12)) : 512;
  CheckedTarget target(testing::MakeEventGptTarget(capacity));
  auto reference_target = testing::MakeEventGptTarget(capacity);
  auto eventgpt = testing::MakeEventGptDrafter(adapter, target, capacity, rng.NextU64());
  const std::string name = std::string("eventgpt ") + AdapterKindName(adapter);
  const bool hiding = rng.Below(4) != 0;
  const auto decode = static_cast<EventGptDecode>(rng.Below(4));
  std::unique_ptr<Drafter> head;
  if (hiding && (decode == EventGptDecode::kL5F || decode == EventGptDecode::kB1)) {
    const bool fused = decode == EventGptDecode::kL5F;
    const AdapterDims dims = testing::SmallAdapterDims(target.info().hidden_size);
    HiddenHeadStream stream;
    if (fused) stream.borrowed = eventgpt.get();
    auto made = HiddenHeadDrafter::Create(
        testing::NearIdentityAdapter(fused ? AdapterKind::kL5F : AdapterKind::kB1, dims, 0.05, rng.NextU64()), &target,
        HiddenHeadOptions{dims.max_positions}, std::move(stream));
    INFO(made.status().ToString());
    REQUIRE(made.ok());
    head = std::move(made).value();
  }
  if (hiding) target.SetPrefillDelay(std::chrono::microseconds(3000));
  auto greedy = MakeGreedyAcceptance();
  for (const Request& request : batch) {
    const testing::Reference reference = testing::RunReference(*reference_target, request, kMaxNewTokens);
    for (int run = 0; run < runs; ++run) {
      SchedulerOptions options = RandomOptions(rng, /*trees=*/false);
      CaseKinds kinds;
      absl::StatusOr<std::unique_ptr<Scheduler>> scheduler;
      if (hiding) {
        if (decode == EventGptDecode::kNone) options.gamma = 0;
        scheduler = MakePrefillHidingScheduler(&target, eventgpt.get(), head.get(), greedy.get(), options);
        kinds.hiding = name;
        if (decode == EventGptDecode::kSame) kinds.decode = name;
        if (decode == EventGptDecode::kL5F) kinds.decode = "L5F (eventgpt stream)";
        if (decode == EventGptDecode::kB1) kinds.decode = "B1 (eventgpt target)";
      } else {
        scheduler = MakeSpeculativeScheduler(&target, eventgpt.get(), greedy.get(), options);
        kinds.decode = name;
      }
      INFO("case " << totals.cases << ": " << (hiding ? "prefill_hiding" : "speculative") << ", " << name
                   << ", decode " << kinds.decode << ", capacity " << capacity << ", gamma " << options.gamma
                   << ", adaptive " << options.adaptive_gamma << ", concurrent " << options.concurrent
                   << ", max_new_tokens " << options.max_new_tokens << ", question '" << request.question << "'");
      INFO(scheduler.status().ToString());
      REQUIRE(scheduler.ok());
      RunCase(**scheduler, target, reference, request, kinds, options, totals);
    }
  }
  Absorb(target, totals);
}

void Report(const Totals& totals) {
  for (const auto& [kind, k] : totals.kinds) {
    WARN(kind << ": " << k.cases << " cases, " << k.accepted << " of " << k.drafted << " drafts accepted");
  }
  WARN(totals.cases << " cases, " << totals.cache_checks << " cache checks (largest difference "
                    << totals.max_cache_difference << "), EOS endings " << totals.eos_endings << ", full caches "
                    << totals.cache_full << ", trees " << totals.trees << ", adaptive gamma " << totals.adaptive
                    << ", hiding threaded " << totals.threaded << " / sequential " << totals.sequential
                    << ", near-ties " << totals.near_ties);
}

// Every kind had drafts accepted, at a rate of at least `min_rate`.
void CheckAccepted(const Totals& totals, const std::vector<std::string>& kinds, double min_rate) {
  for (const std::string& kind : kinds) {
    INFO("drafter " << kind);
    REQUIRE(totals.kinds.count(kind) == 1);
    const KindTally& k = totals.kinds.at(kind);
    CHECK(k.accepted > 0);
    CHECK(k.accepted >= min_rate * k.drafted);
    CHECK(k.accepted < k.drafted);  // rejections happened too
  }
}

// `groups` groups of the LLaMA family in `dtype`, each drafter kind in turn,
// two requests of four runs each, from the random stream `seed`; reported,
// and every case counted.
template <size_t kKinds>
Totals RunLlamaGroups(uint64_t seed, int groups, const RealDrafter (&kinds)[kKinds], at::ScalarType dtype) {
  constexpr int kRequests = 2, kRuns = 4;
  Rng rng(seed);
  Totals totals;
  for (int g = 0; g < groups; ++g) {
    for (RealDrafter kind : kinds) RunLlamaGroup(rng, kind, kRequests, kRuns, totals, dtype);
  }
  Report(totals);
  CHECK(totals.cases == groups * kRequests * kRuns * static_cast<int>(kKinds));
  return totals;
}

// Row-invariant numerics (the default, the CPU's too): no case parted from
// its reference, even at a near-tie, and every cache row was the
// autoregressive run's, bit for bit.
void CheckBitwise(const Totals& totals) {
  CHECK(totals.near_ties == 0);
  CHECK(totals.max_cache_difference == 0);
}

TEST_CASE("Greedy SD equals greedy AR with real LLaMA, EAGLE and hidden-head drafters, caches included",
          "[lossless][real]") {
  const Totals totals = RunLlamaGroups(20261207, 213, testing::kRealDrafters, at::kFloat);
  CheckAccepted(totals, {"llama", "eagle", "B1", "L5", "L5F", "hiding llama"}, 0.05);
  // The random cases covered the corners.
  CHECK(totals.trees > 300);
  CHECK(totals.adaptive > 1000);
  CHECK(totals.eos_endings > 300);
  CHECK(totals.cache_full > 100);
  CHECK(totals.threaded > 300);
  CHECK(totals.sequential > 300);
  CheckBitwise(totals);
}

// The same in bf16 on the CPU, where ties between a verify row and a decode
// step are far more common than in float32: the default numerics are
// row-invariant there too, so no case may part from the reference and every
// cache row is the reference's, bit for bit. The LLaMA drafter and EAGLE
// (chains and trees), each behind the speculative scheduler and after prefill
// hiding.
TEST_CASE("Greedy SD equals greedy AR in bf16 with real LLaMA and EAGLE drafters, trees and prefill hiding included",
          "[lossless][real][bf16]") {
  const RealDrafter kinds[] = {RealDrafter::kLlama, RealDrafter::kEagle};
  const Totals totals = RunLlamaGroups(20261209, 60, kinds, at::kBFloat16);
  CheckAccepted(totals, {"llama", "eagle", "hiding llama"}, 0.05);
  CHECK(totals.trees > 50);
  CHECK(totals.threaded > 50);
  CHECK(totals.sequential > 50);
  CheckBitwise(totals);
}

// A LLaMA target under row-invariant numerics verifies at most 64 rows
// exactly (ModelInfo::max_verify_rows): longer drafts — gamma 100, a tree of
// 100 tokens — are cut to 63 a round, and the output is still the target's
// own (12 tokens, then EOS). Prefill hiding asked for 100 hidden drafts
// stays exact too, but its lane drafts only while the target's prefill
// runs (a few tokens beside a 5-token prompt), so its first verify is not
// cut: its rounds after that are.
TEST_CASE("Drafts past the rows a target verifies exactly are cut, and the output stays exact", "[lossless][real]") {
  const testing::LlamaFamily& f = testing::LlamaFamily::Get();
  constexpr int kCapacity = 256, kTokens = 150;
  auto target = testing::MakeLlamaVerifier(f.target, kCapacity);
  REQUIRE(target->info().max_verify_rows == 64);
  auto reference_target = testing::MakeLlamaVerifier(f.target, kCapacity);
  Request request;
  request.id = "long drafts";
  request.prompt_tokens = {3, 1, 4, 1, 5};
  const testing::Reference reference = testing::RunReference(*reference_target, request, kTokens);
  auto greedy = MakeGreedyAcceptance();
  for (const std::string shape : {"chain", "tree", "hidden"}) {
    INFO(shape);
    SchedulerOptions options;
    options.max_new_tokens = kTokens;
    options.gamma = 100;
    options.max_free_tokens = 100;
    if (shape == "tree") options.tree = TreeSpec{2, 60, 100};
    std::unique_ptr<Drafter> drafter =
        shape == "tree" ? testing::MakeRealDrafter(RealDrafter::kEagle, target.get(), kCapacity, true)
                        : testing::MakeLlamaDrafter(f.target, kCapacity, /*hidden_rows=*/false);
    absl::StatusOr<std::unique_ptr<Scheduler>> scheduler;
    if (shape == "hidden") {
      options.concurrent = false;  // the lane drafts all 100 before the target's prefill
      scheduler = MakePrefillHidingScheduler(target.get(), drafter.get(), nullptr,
                                             greedy.get(), options);
    } else {
      scheduler = MakeSpeculativeScheduler(target.get(), drafter.get(), greedy.get(), options);
    }
    INFO(scheduler.status().ToString());
    REQUIRE(scheduler.ok());
    auto result = (*scheduler)->Generate(request);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    INFO("reference " << reference.tokens.size() << " tokens, finish " << FinishReasonName(result->finish)
                      << ", rounds " << result->stats.rounds << ", drafted " << result->stats.drafted);
    CHECK(result->tokens == reference.tokens);
    CHECK(result->stats.drafted <= 63 * result->stats.rounds);
    CHECK(result->stats.drafted >= 63);  // rounds of 63: drafts of 100 cut (uncut, a round would verify 100)
  }
}

TEST_CASE("Greedy SD equals greedy AR with EventGPT and each adapter, prefill hiding included, caches included",
          "[lossless][real][eventgpt]") {
  Rng rng(20261208);
  Totals totals;
  constexpr int kGroups = 38, kRequests = 2, kRuns = 4;
  const AdapterKind kAdapters[] = {AdapterKind::kIdentity, AdapterKind::kL1, AdapterKind::kL2, AdapterKind::kL3,
                                   AdapterKind::kL4};
  for (int g = 0; g < kGroups; ++g) {
    for (AdapterKind adapter : kAdapters) RunEventGptGroup(rng, adapter, kRequests, kRuns, totals);
  }
  Report(totals);
  CHECK(totals.cases == kGroups * kRequests * kRuns * 5);
  std::vector<std::string> kinds;
  for (AdapterKind adapter : kAdapters) {
    kinds.push_back(std::string("hiding eventgpt ") + AdapterKindName(adapter));
    kinds.push_back(std::string("eventgpt ") + AdapterKindName(adapter));
  }
  kinds.push_back("L5F (eventgpt stream)");
  kinds.push_back("B1 (eventgpt target)");
  CheckAccepted(totals, kinds, 0.03);
  CHECK(totals.adaptive > 300);
  CHECK(totals.cache_full > 50);
  CHECK(totals.threaded > 250);
  CHECK(totals.sequential > 250);
  CheckBitwise(totals);
}

}  // namespace
}  // namespace xsd
