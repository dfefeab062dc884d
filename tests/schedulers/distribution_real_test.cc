// Stochastic speculative decoding with real drafters samples exactly the
// target's own distribution: the LLaMA drafter, EAGLE chains and trees, and
// the threaded prefill-hiding lane, on a tiny real LLaMA target of 4 tokens
// (outputs of 3 tokens, EOS included: 4 + 4^2 ... at most 64 outcomes).
//
// The exact distribution comes from the target alone: every prefix is
// prefilled on a fresh verifier and its next-token probabilities are the
// shared sampling transform (temperature, top-p) of its logits.
//
// The bound. With n independent samples, the empirical distribution p^ of K
// outcomes of probabilities p_k has E|p^_k - p_k| <= sqrt(p_k (1 - p_k) / n)
// (Jensen), so E[TV(p^, p)] <= (1/2) sum_k sqrt(p_k (1 - p_k) / n). One
// sample moves TV by at most 1/n, so by McDiarmid's inequality
// P(TV >= E[TV] + t) <= exp(-2 n t^2); with t = sqrt(ln(1/delta) / (2 n))
// and delta = 1e-6 a correct sampler exceeds
//   bound = (1/2) sum_k sqrt(p_k (1 - p_k) / n) + sqrt(ln(1e6) / (2 n))
// with probability below 1e-6. (Samples are independent: request i draws
// from seed i.) Each setup also runs, with a quarter of the samples, an
// acceptance that takes every draft (the bug rejection sampling exists to
// prevent): its TV must exceed the bound for that many samples, so the
// check can fail with these drafters.
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checked_target.h"
#include "real_models.h"
#include "real_pipelines.h"
#include "xsd/core/acceptance.h"
#include "xsd/core/sampling.h"
#include "xsd/drafters/eagle_drafter.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using Sequence = std::vector<TokenId>;
using Distribution = std::map<Sequence, double>;

constexpr int kLength = 3;
constexpr int kSamples = 8000;
const std::vector<TokenId> kPrompt = {1, 3, 0};

// The target (agreeable as in real_models.h, 4 tokens, EOS = 2) and the
// drafters' models, once per process.
struct SmallFamily {
  LlamaConfig config;
  std::unique_ptr<MapWeightSource> target_weights, drafter_weights;
  std::shared_ptr<const LlamaModel> target, drafter;

  static const SmallFamily& Get() {
    static const SmallFamily* family = [] {
      auto* f = new SmallFamily();
      f->config = testing::OneLayerConfig();
      f->config.vocab_size = 4;
      f->target_weights = testing::AgreeableTargetWeights(f->config, 7, /*copy_bias=*/0.0);
      f->drafter_weights = testing::Perturbed(*f->target_weights, 0.5, 8);
      f->target = testing::LoadTiny(f->config, f->target_weights.get());
      f->drafter = testing::LoadTiny(f->config, f->drafter_weights.get());
      return f;
    }();
    return *family;
  }
};

// Every output of up to kLength tokens and its probability under the
// target's own sampling (a sequence ends early at EOS).
Distribution ExactDistribution(const SamplingParams& params) {
  const SmallFamily& f = SmallFamily::Get();
  auto verifier = testing::MakeLlamaVerifier(f.target, 64);
  OutputRequest logits;
  logits.logits = true;
  Distribution done;
  std::vector<std::pair<Sequence, double>> frontier = {{{}, 1.0}};
  std::vector<float> probs;
  for (int step = 0; step < kLength; ++step) {
    std::vector<std::pair<Sequence, double>> next;
    for (const auto& [prefix, p] : frontier) {
      Request request;
      request.prompt_tokens = kPrompt;
      request.prompt_tokens.insert(request.prompt_tokens.end(), prefix.begin(), prefix.end());
      auto out = verifier->Prefill(request, logits);
      REQUIRE(out.ok());
      LogitsToProbs(out->Logits(0), params, &probs);
      for (TokenId t = 0; t < static_cast<TokenId>(probs.size()); ++t) {
        if (probs[t] <= 0) continue;
        Sequence longer = prefix;
        longer.push_back(t);
        const double q = p * probs[t];
        if (t == f.config.eos_token || step + 1 == kLength) {
          done[longer] += q;
        } else {
          next.push_back({longer, q});
        }
      }
    }
    frontier.swap(next);
  }
  return done;
}

double TotalVariation(const std::map<Sequence, int>& counts, int n, const Distribution& exact) {
  double tv = 0;
  for (const auto& [seq, p] : exact) {
    auto it = counts.find(seq);
    tv += std::abs((it == counts.end() ? 0.0 : it->second / static_cast<double>(n)) - p);
  }
  for (const auto& [seq, c] : counts) {
    if (exact.count(seq) == 0) tv += c / static_cast<double>(n);
  }
  return tv / 2;
}

// The bound of the file comment for n samples.
double SamplingBound(const Distribution& exact, int n) {
  double spread = 0;
  for (const auto& [seq, p] : exact) spread += std::sqrt(p * (1 - p) / n);
  return spread / 2 + std::sqrt(std::log(1e6) / (2.0 * n));
}

// Accepts every draft node (following first children in a tree) and samples
// the next token from the target: the output is the drafter's, not the target's.
class BlindAcceptance final : public AcceptancePolicy {
 public:
  explicit BlindAcceptance(const SamplingParams& params) : params_(params) {}
  const SamplingParams& sampling() const override { return params_; }
  bool needs_target_logits() const override { return true; }
  absl::StatusOr<AcceptResult> Accept(const Draft& draft, const TargetOutput& target, Rng* rng) const override {
    AcceptResult result;
    for (int32_t node = -1;;) {
      const std::vector<int32_t> children = draft.Children(node);
      if (children.empty()) break;
      node = children[0];
      result.path.push_back(node);
    }
    std::vector<float> probs;
    LogitsToProbs(target.Logits(result.path.empty() ? 0 : result.path.back() + 1), params_, &probs);
    result.next = SampleFrom(probs, rng);
    return result;
  }

 private:
  SamplingParams params_;
};

enum class Lane { kNone, kThreaded };

struct Setup {
  const char* name;
  const char* scheduler;  // "autoregressive", "speculative", "prefill_hiding"
  testing::RealDrafter drafter;
  SamplingParams params;
  int gamma = 2;
  std::optional<TreeSpec> tree;
  bool gate_on_first_draft = false;
  bool adaptive_gamma = false;
};

struct Outcome {
  std::map<Sequence, int> counts;
  int64_t drafted = 0, accepted = 0, hidden_verified = 0;
};

Outcome Sample(const Setup& setup, const AcceptancePolicy& policy, int samples) {
  const SmallFamily& f = SmallFamily::Get();
  const std::string scheduler_name = setup.scheduler;
  testing::CheckedTarget target(testing::MakeLlamaVerifier(f.target, 64));
  std::unique_ptr<Drafter> drafter;
  if (setup.drafter == testing::RealDrafter::kEagle) {
    auto eagle = EagleDrafter::Create(testing::EagleHeadFromTargetLayer(f.config, *f.target_weights, 64), &target, 64);
    REQUIRE(eagle.ok());
    drafter = std::move(eagle).value();
  } else {
    drafter = testing::MakeLlamaDrafter(f.drafter, 64, /*hidden_rows=*/false);
  }
  // Prefill hiding: the LLaMA drafter's lane on its own thread beside a
  // target prefill slowed by 0.4 ms, so it drafts a few tokens; `drafter`
  // (EAGLE) or the lane's drafter drafts afterwards.
  std::unique_ptr<Drafter> hider;
  SchedulerOptions options;
  options.max_new_tokens = kLength;
  options.gamma = setup.gamma;
  options.tree = setup.tree;
  options.gate_on_first_draft = setup.gate_on_first_draft;
  options.adaptive_gamma = setup.adaptive_gamma;
  options.max_free_tokens = 4;
  options.concurrent = true;
  options.seed = 5;
  absl::StatusOr<std::unique_ptr<Scheduler>> scheduler;
  if (scheduler_name == "autoregressive") {
    scheduler = MakeAutoregressiveScheduler(&target, &policy, options);
  } else if (scheduler_name == "speculative") {
    scheduler = MakeSpeculativeScheduler(&target, drafter.get(), &policy, options);
  } else {
    target.SetPrefillDelay(std::chrono::microseconds(400));
    if (setup.drafter == testing::RealDrafter::kEagle) {
      hider = testing::MakeLlamaDrafter(f.drafter, 64, /*hidden_rows=*/false);
      scheduler = MakePrefillHidingScheduler(&target, hider.get(), drafter.get(), &policy, options);
    } else {
      scheduler = MakePrefillHidingScheduler(&target, drafter.get(), nullptr, &policy, options);
    }
  }
  INFO(scheduler.status().ToString());
  REQUIRE(scheduler.ok());
  Outcome outcome;
  Request request;
  request.prompt_tokens = kPrompt;
  for (int i = 0; i < samples; ++i) {
    request.seed = static_cast<uint64_t>(i);
    auto result = (*scheduler)->Generate(request);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    ++outcome.counts[result->tokens];
    outcome.drafted += result->stats.drafted;
    outcome.accepted += result->stats.accepted;
    outcome.hidden_verified += result->stats.hidden_drafts_verified;
  }
  return outcome;
}

SamplingParams Params(float temperature, float top_p) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_p = top_p;
  return p;
}

TEST_CASE("Stochastic SD with real drafters samples the target's distribution", "[stochastic][real]") {
  using testing::RealDrafter;
  const Setup setup = GENERATE(
      Setup{"autoregressive (the exact distribution's control)", "autoregressive", RealDrafter::kLlama, Params(1, 1)},
      Setup{"LLaMA drafter, chain of 2, T 1", "speculative", RealDrafter::kLlama, Params(1, 1), 2},
      Setup{"LLaMA drafter, adaptive chain up to 3, T 0.8, top-p 0.9", "speculative", RealDrafter::kLlama,
            Params(0.8f, 0.9f), 3, std::nullopt, false, true},
      Setup{"EAGLE chain of 2, T 1", "speculative", RealDrafter::kEagle, Params(1, 1), 2},
      Setup{"EAGLE tree top-k 2 depth 2, T 1", "speculative", RealDrafter::kEagle, Params(1, 1), 0, TreeSpec{2, 2, 6}},
      Setup{"threaded prefill hiding, the LLaMA drafter throughout, T 1", "prefill_hiding", RealDrafter::kLlama,
            Params(1, 1), 2},
      Setup{"threaded prefill hiding gated on the first draft, T 0.8, top-p 0.9", "prefill_hiding",
            RealDrafter::kLlama, Params(0.8f, 0.9f), 2, std::nullopt, true},
      Setup{"threaded prefill hiding, then EAGLE chains, T 1", "prefill_hiding", RealDrafter::kEagle, Params(1, 1), 2});
  INFO(setup.name);
  const Distribution exact = ExactDistribution(setup.params);
  double total = 0;
  for (const auto& [seq, p] : exact) total += p;
  REQUIRE(std::abs(total - 1) < 1e-6);
  const double bound = SamplingBound(exact, kSamples);
  auto policy = MakeStochasticAcceptance(setup.params);
  REQUIRE(policy.ok());
  const Outcome outcome = Sample(setup, **policy, kSamples);
  const double tv = TotalVariation(outcome.counts, kSamples, exact);
  WARN(setup.name << ": TV " << tv << " (bound " << bound << ", " << exact.size() << " outcomes), " << outcome.accepted
                  << " of " << outcome.drafted << " drafts accepted, " << outcome.hidden_verified << " hidden");
  CHECK(tv <= bound);
  if (std::string(setup.scheduler) == "autoregressive") return;
  CHECK(outcome.accepted > 0);                 // drafts were really accepted...
  CHECK(outcome.accepted < outcome.drafted);   // ...and really rejected
  if (std::string(setup.scheduler) == "prefill_hiding") CHECK(outcome.hidden_verified > 0);
  // The negative control: taking every draft samples something else, far
  // beyond the bound even for a quarter of the samples.
  const BlindAcceptance blind(setup.params);
  const int fewer = kSamples / 4;
  const double blind_tv = TotalVariation(Sample(setup, blind, fewer).counts, fewer, exact);
  WARN(setup.name << ": TV with every draft accepted " << blind_tv << " (bound " << SamplingBound(exact, fewer) << ")");
  CHECK(blind_tv > SamplingBound(exact, fewer));
}

}  // namespace
}  // namespace xsd
