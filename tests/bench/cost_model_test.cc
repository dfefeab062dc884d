#include <cmath>

#include "cost_model.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

CostModel Decode(int gamma) {
  CostModel m;
  m.prefill_ms = 30;
  m.n_tokens = 11;  // 10 tokens after the prefill's
  m.gamma = gamma;
  m.verify_ms = 2;
  m.draft_ms = 0.5;
  m.overhead_ms = 1;
  return m;
}

TEST_CASE("Autoregressive: time does not depend on acceptance", "[bench][cost_model]") {
  const CostModel m = Decode(0);
  // 30 + 10 * (2 + 0.5) + 1
  CHECK(m.TotalMs(0.0) == Approx(56.0));
  CHECK(m.TotalMs(0.9) == Approx(56.0));
  CHECK(m.AcceptedTokens(0.7) == Approx(0.0));
}

TEST_CASE("Decode-phase chains: E(a) = (1 - a^(g+1)) / (1 - a)", "[bench][cost_model]") {
  const CostModel m = Decode(1);
  CHECK(m.TokensPerRound(0.5) == Approx(1.5));   // 1 + 0.5
  CHECK(m.TokensPerRound(1.0) == Approx(2.0));
  CHECK(m.DecodeRounds(0.5) == Approx(10.0 / 1.5));
  CHECK(m.TotalMs(0.5) == Approx(30 + (10.0 / 1.5) * 2.5 + 1));
  CHECK(m.AcceptedTokens(0.5) == Approx(10.0 / 1.5 * 0.5));
  const CostModel g3 = Decode(3);
  CHECK(g3.TokensPerRound(0.5) == Approx(1 + 0.5 + 0.25 + 0.125));
  CHECK(g3.TotalMs(1.0) == Approx(30 + 2.5 * 2.5 + 1));  // 10 tokens in 2.5 rounds of 4
}

TEST_CASE("Hidden drafts: one verification, accepted up to the first miss", "[bench][cost_model]") {
  CostModel m = Decode(0);
  m.hidden_drafts = 2;
  m.hidden_verify_ms = 3;
  // H(0.5) = 1 + 0.5 + 0.25; 10 - 1.75 tokens left, one per round.
  CHECK(m.HiddenTokens(0.5) == Approx(1.75));
  CHECK(m.TotalMs(0.5) == Approx(30 + 3 + (10 - 1.75) * 2.5 + 1));
  CHECK(m.AcceptedTokens(0.5) == Approx(0.75));
  CHECK(m.HiddenTokens(1.0) == Approx(3.0));
  CHECK(m.AcceptedTokens(0.0) == Approx(0.0));
}

TEST_CASE("FitAcceptance inverts AcceptedTokens", "[bench][cost_model]") {
  CostModel m = Decode(GENERATE(1, 2, 4));
  m.hidden_drafts = GENERATE(0.0, 5.0, 20.0);
  m.n_tokens = 50;
  for (double a : {0.05, 0.21, 0.5, 0.66, 0.93}) {
    INFO("a=" << a << " gamma=" << m.gamma << " F=" << m.hidden_drafts);
    CHECK(FitAcceptance(m, m.AcceptedTokens(a)) == Approx(a).margin(1e-6));
  }
  CHECK(FitAcceptance(m, -1) == 0.0);
  CHECK(FitAcceptance(m, 1e9) == 1.0);
}

}  // namespace
}  // namespace xsd::bench
