// Stochastic speculative decoding samples exactly the target's distribution:
// total-variation distance to the exact sequence distribution <= 0.01 over
// 200 000 samples, for chains, trees and prefill hiding.
#include <map>

#include "support/reference.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

constexpr int kSamples = 200000;

struct Setup {
  const char* name;
  int vocab;
  int length;
  float temperature;
  float top_p;
  int gamma;
  std::optional<TreeSpec> tree;
  const char* scheduler;
};

ScriptedLmOptions TargetOptions(int vocab) {
  ScriptedLmOptions o;
  o.vocab_size = vocab;
  o.seed = 101;
  o.sharpness = 1.5f;
  return o;
}

ScriptedLmOptions DrafterOptions(int vocab) {
  ScriptedLmOptions o = TargetOptions(vocab);
  o.seed = 202;  // a different model: q differs from p
  return o;
}

TEST_CASE("Stochastic SD output distribution equals the target's", "[stochastic]") {
  const Setup setup = GENERATE(
      Setup{"chain gamma 2, T 1", 4, 2, 1.0f, 1.0f, 2, std::nullopt, "speculative"},
      Setup{"chain gamma 3, T 0.8, top-p 0.9", 3, 3, 0.8f, 0.9f, 3, std::nullopt, "speculative"},
      Setup{"tree top-k 2 depth 2", 4, 2, 1.0f, 1.0f, 0, TreeSpec{2, 2, 6}, "speculative"},
      Setup{"tree top-k 3 depth 2, T 0.7 top-p 0.8", 3, 3, 0.7f, 0.8f, 0, TreeSpec{3, 2, 9}, "speculative"},
      Setup{"prefill hiding + chain", 4, 2, 1.0f, 1.0f, 2, std::nullopt, "prefill_hiding"},
      Setup{"autoregressive", 4, 2, 1.0f, 1.0f, 0, std::nullopt, "autoregressive"});
  INFO(setup.name);
  SamplingParams params;
  params.temperature = setup.temperature;
  params.top_p = setup.top_p;
  auto policy = MakeStochasticAcceptance(params);
  REQUIRE(policy.ok());
  auto target = MockVerifier::Create(TargetOptions(setup.vocab));
  auto drafter = ScriptedDrafter::Create(DrafterOptions(setup.vocab));
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  SchedulerOptions so;
  so.max_new_tokens = setup.length;
  so.gamma = setup.gamma;
  so.tree = setup.tree;
  so.max_free_tokens = 3;
  so.concurrent = false;
  so.seed = 5;
  absl::StatusOr<std::unique_ptr<Scheduler>> sched;
  if (std::string(setup.scheduler) == "autoregressive") {
    sched = MakeAutoregressiveScheduler(target->get(), policy->get(), so);
  } else if (std::string(setup.scheduler) == "speculative") {
    sched = MakeSpeculativeScheduler(target->get(), drafter->get(), policy->get(), so);
  } else {
    sched = MakePrefillHidingScheduler(target->get(), drafter->get(), nullptr, policy->get(), so);
  }
  REQUIRE(sched.ok());

  const std::vector<TokenId> prompt = {1, 0, 2};
  const auto exact = testing::ExactSequenceDistribution((*target)->lm(), prompt, setup.length, params);
  std::map<std::vector<TokenId>, int> counts;
  int64_t drafted = 0, accepted = 0;
  Request request;
  request.prompt_tokens = prompt;
  for (int i = 0; i < kSamples; ++i) {
    request.seed = static_cast<uint64_t>(i);
    auto res = (*sched)->Generate(request);
    REQUIRE(res.ok());
    ++counts[res->tokens];
    drafted += res->stats.drafted;
    accepted += res->stats.accepted;
  }
  const double tv = testing::TotalVariation(counts, kSamples, exact);
  INFO("TV = " << tv << ", accept rate " << (drafted ? double(accepted) / drafted : 0.0));
  CHECK(tv <= 0.01);
  if (std::string(setup.scheduler) != "autoregressive") {
    CHECK(accepted > 0);             // drafts were really accepted...
    CHECK(accepted < drafted);       // ...and really rejected
  }

  // Negative control: the drafter's own distribution is far from the target's,
  // so a policy that accepted drafts blindly would fail the check above.
  const auto drafter_dist = testing::ExactSequenceDistribution((*drafter)->lm(), prompt, setup.length, params);
  double gap = 0;
  for (const auto& [seq, p] : exact) gap += std::abs(p - (drafter_dist.count(seq) ? drafter_dist.at(seq) : 0.0));
  CHECK(gap / 2 > 0.05);
}

TEST_CASE("Stochastic SD is reproducible per request seed", "[stochastic]") {
  SamplingParams params;
  params.temperature = 1.0f;
  auto policy = MakeStochasticAcceptance(params);
  auto target = MockVerifier::Create(TargetOptions(16));
  auto drafter = ScriptedDrafter::Create(DrafterOptions(16));
  REQUIRE(policy.ok());
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  SchedulerOptions so;
  so.max_new_tokens = 20;
  so.gamma = 3;
  auto sched = MakeSpeculativeScheduler(target->get(), drafter->get(), policy->get(), so);
  REQUIRE(sched.ok());
  Request r;
  r.prompt_tokens = {3, 1};
  r.seed = 42;
  auto a = (*sched)->Generate(r);
  auto b = (*sched)->Generate(r);
  r.seed = 43;
  auto c = (*sched)->Generate(r);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->tokens == b->tokens);
  CHECK(a->tokens != c->tokens);
}

}  // namespace
}  // namespace xsd
