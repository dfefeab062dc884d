// Adaptive draft length (SchedulerOptions::adaptive_gamma): shorter after
// rejections, back up to gamma after fully accepted rounds; output still the
// target's own greedy output.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "support/mock_models.h"
#include "xsd/core/acceptance.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// Speculative decoding with adaptive_gamma on, starting from `gamma`.
SchedulerOptions AdaptiveOptions(int gamma, int max_new_tokens) {
  SchedulerOptions so;
  so.gamma = gamma;
  so.max_new_tokens = max_new_tokens;
  so.adaptive_gamma = true;
  return so;
}

// Draft lengths of a request's rounds, in order, from its timeline.
std::vector<int> DraftLengths(const GenerationResult& result) {
  std::vector<int> lengths;
  for (const TimelineEvent& e : result.timeline) {
    if (e.lane == "drafter" && e.phase == "draft") lengths.push_back(e.tokens);
  }
  return lengths;
}

TEST_CASE("Adaptive gamma: one draft per round after rejections, gamma while all are accepted", "[scheduler][adaptive]") {
  const auto target = testing::ScriptedTarget(50, 5);
  auto greedy = MakeGreedyAcceptance();
  const SchedulerOptions so = AdaptiveOptions(/*gamma=*/4, /*max_new_tokens=*/30);
  auto ar = MakeAutoregressiveScheduler(target.get(), greedy.get(), so);
  REQUIRE(ar.ok());
  Request request;
  request.id = "r";
  request.question = "q";
  auto baseline = (*ar)->Generate(request);
  REQUIRE(baseline.ok());

  for (const double agreement : {0.0, 1.0}) {
    INFO("agreement " << agreement);
    const auto drafter = testing::OracleDrafter(*target, agreement);
    auto sd = MakeSpeculativeScheduler(target.get(), drafter.get(), greedy.get(), so);
    REQUIRE(sd.ok());
    auto result = (*sd)->Generate(request);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result->tokens == baseline->tokens);
    const std::vector<int> lengths = DraftLengths(*result);
    REQUIRE(lengths.size() >= 5);
    if (agreement == 0.0) {  // every round rejects: 4, 3, 2, 1, 1, ...
      CHECK(lengths[0] == 4);
      CHECK(lengths[1] == 3);
      CHECK(lengths[2] == 2);
      for (size_t i = 3; i < lengths.size(); ++i) CHECK(lengths[i] == 1);
      CHECK(result->stats.accepted == 0);
    } else {  // every round accepts everything: gamma throughout (the last capped by the budget)
      for (size_t i = 0; i + 1 < lengths.size(); ++i) CHECK(lengths[i] == 4);
      CHECK(result->stats.accepted == result->stats.drafted);
    }
  }
}

TEST_CASE("Adaptive gamma: grows back by two after a fully accepted round", "[scheduler][adaptive]") {
  const auto target = testing::ScriptedTarget(50, 9);
  auto greedy = MakeGreedyAcceptance();
  const SchedulerOptions so = AdaptiveOptions(/*gamma=*/5, /*max_new_tokens=*/60);
  const auto drafter = testing::OracleDrafter(*target, 0.6);
  auto sd = MakeSpeculativeScheduler(target.get(), drafter.get(), greedy.get(), so);
  REQUIRE(sd.ok());
  int checked = 0;
  for (int i = 0; i < 20; ++i) {
    Request request;
    request.id = "r" + std::to_string(i);
    request.question = "q" + std::to_string(i);
    request.seed = static_cast<uint64_t>(i);
    auto result = (*sd)->Generate(request);
    REQUIRE(result.ok());
    // Each round's length follows from the previous round's outcome (the
    // rule in SchedulerOptions::adaptive_gamma), capped by the tokens left.
    struct Round {
      int drafted = 0, accepted = -1, kept = 0;
    };
    std::vector<Round> rounds;
    for (const TimelineEvent& e : result->timeline) {
      if (e.lane == "drafter" && e.phase == "draft") rounds.push_back({e.tokens, -1, 0});
      if (e.lane == "target" && e.phase == "verify" && !rounds.empty()) {
        rounds.back().accepted = e.accepted;
        rounds.back().kept = e.tokens;
      }
    }
    REQUIRE(rounds.size() >= 3);
    int gamma = 5, emitted = 1;  // the target's prefill emits the first token
    for (const Round& round : rounds) {
      REQUIRE(round.accepted >= 0);
      CHECK(round.drafted == std::min(gamma, so.max_new_tokens - emitted));
      gamma = round.accepted >= round.drafted ? std::min(5, gamma + 2) : std::max(1, gamma - 1);
      emitted += round.kept;
      ++checked;
    }
    CHECK(emitted == static_cast<int>(result->tokens.size()));
  }
  CHECK(checked > 50);
}

}  // namespace
}  // namespace xsd
