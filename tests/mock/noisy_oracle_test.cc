#include "support/mock_models.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Noisy oracle plants the first-position acceptance rate", "[mock][oracle]") {
  const auto target = testing::ScriptedTarget(50, 11);
  const double agreement = GENERATE(0.0, 0.3, 0.7, 1.0);
  const auto drafter = testing::OracleDrafter(*target, agreement);
  auto greedy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.gamma = 3;
  so.max_new_tokens = 40;
  auto sched = MakeSpeculativeScheduler(target.get(), drafter.get(), greedy.get(), so);
  REQUIRE(sched.ok());
  SpecStats total;
  for (int i = 0; i < 150; ++i) {
    Request r;
    r.id = "r" + std::to_string(i);
    r.question = "q" + std::to_string(i);
    r.seed = static_cast<uint64_t>(i);  // independent agreement draws per request
    auto res = (*sched)->Generate(r);
    REQUIRE(res.ok());
    total.Merge(res->stats);
  }
  INFO("agreement " << agreement);
  CHECK(total.accept_rate_at_depth(1) == Approx(agreement).margin(0.04));
}

TEST_CASE("Replay oracle follows a recorded continuation and nothing else", "[mock][oracle]") {
  ReplayOracle oracle;
  oracle.Set("a", {5, 6, 7});
  Request r;
  r.id = "a";
  REQUIRE(oracle.Begin(r).ok());
  CHECK(oracle.Next({}) == 5);
  CHECK(oracle.Next(std::vector<TokenId>{5, 6}) == 7);
  CHECK(oracle.Next(std::vector<TokenId>{5, 9}) == kNoToken);
  CHECK(oracle.Next(std::vector<TokenId>{5, 6, 7}) == kNoToken);
  r.id = "unknown";
  REQUIRE(oracle.Begin(r).ok());
  CHECK(oracle.Next({}) == kNoToken);
}

}  // namespace
}  // namespace xsd
