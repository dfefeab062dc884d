#include "xsd/core/acceptance.h"

#include <cmath>
#include <map>

#include "xsd_catch.h"

namespace xsd {
namespace {

TargetOutput ArgmaxRows(std::vector<TokenId> argmax) {
  TargetOutput t;
  t.rows = static_cast<int>(argmax.size());
  t.argmax = std::move(argmax);
  t.vocab = 16;
  return t;
}

TEST_CASE("Greedy chain: longest matching prefix plus the target's next token", "[acceptance][greedy]") {
  auto greedy = MakeGreedyAcceptance();
  Rng rng(1);
  // Drafts 4 5 6; target argmax after pending/4/5/6 = 4 5 9 7.
  auto r = greedy->Accept(Draft::Chain({4, 5, 6}), ArgmaxRows({4, 5, 9, 7}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path == std::vector<int32_t>{0, 1});
  CHECK(r->next == 9);

  r = greedy->Accept(Draft::Chain({4, 5, 6}), ArgmaxRows({4, 5, 6, 7}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path == std::vector<int32_t>{0, 1, 2});
  CHECK(r->next == 7);  // bonus token

  r = greedy->Accept(Draft::Chain({3}), ArgmaxRows({4, 1}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path.empty());
  CHECK(r->next == 4);  // correction token

  r = greedy->Accept(Draft(), ArgmaxRows({8}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path.empty());
  CHECK(r->next == 8);  // autoregressive step
}

TEST_CASE("Greedy tree: follows the matching branch", "[acceptance][greedy]") {
  //   pending -> 0:a(1) -> 2:c(3)
  //           -> 1:b(2) -> 3:d(4) -> 4:e(5)
  Draft d;
  d.Add(1, -1);
  d.Add(2, -1);
  d.Add(3, 0);
  d.Add(4, 1);
  d.Add(5, 3);
  auto greedy = MakeGreedyAcceptance();
  Rng rng(1);
  // rows: pending, 0, 1, 2, 3, 4
  auto r = greedy->Accept(d, ArgmaxRows({2, 9, 4, 9, 5, 11}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path == std::vector<int32_t>{1, 3, 4});
  CHECK(r->next == 11);
  r = greedy->Accept(d, ArgmaxRows({1, 7, 4, 9, 5, 11}), &rng);
  REQUIRE(r.ok());
  CHECK(r->path == std::vector<int32_t>{0});
  CHECK(r->next == 7);
}

TEST_CASE("Greedy acceptance rejects a target output of the wrong size", "[acceptance]") {
  auto greedy = MakeGreedyAcceptance();
  Rng rng(1);
  CHECK_FALSE(greedy->Accept(Draft::Chain({1, 2}), ArgmaxRows({1}), &rng).ok());
}

// ---- stochastic: the first emitted token must be distributed as p.

std::vector<float> LogitsOf(const std::vector<double>& p) {
  std::vector<float> l;
  for (double v : p) l.push_back(v > 0 ? static_cast<float>(std::log(v)) : -1e30f);
  return l;
}

double TotalVariation(const std::map<TokenId, int>& counts, int n, const std::vector<double>& p) {
  double tv = 0;
  for (size_t x = 0; x < p.size(); ++x) {
    auto it = counts.find(static_cast<TokenId>(x));
    const double f = it == counts.end() ? 0.0 : it->second / double(n);
    tv += std::abs(f - p[x]);
  }
  return tv / 2;
}

TEST_CASE("Stochastic acceptance: one step of a chain or a tree is distributed as p", "[acceptance][stochastic]") {
  const std::vector<double> p = {0.1, 0.4, 0.3, 0.2};
  const std::vector<float> q = {0.5f, 0.1f, 0.1f, 0.3f};  // far from p on purpose
  SamplingParams params;
  params.temperature = 1.0f;
  auto policy = MakeStochasticAcceptance(params);
  REQUIRE(policy.ok());
  const int siblings = GENERATE(1, 2, 3);
  const int n = 200000;
  Rng rng(1234 + siblings);
  std::map<TokenId, int> counts;
  TargetOutput target;
  target.vocab = 4;
  for (int i = 0; i < n; ++i) {
    Draft d;
    for (int s = 0; s < siblings; ++s) d.Add(SampleFrom(q, &rng), -1, q);  // iid children of the pending token
    target.rows = d.size() + 1;
    target.argmax.assign(target.rows, 0);
    target.logits.clear();
    for (int r = 0; r < target.rows; ++r) {
      const auto l = LogitsOf(p);
      target.logits.insert(target.logits.end(), l.begin(), l.end());
    }
    auto res = (*policy)->Accept(d, target, &rng);
    REQUIRE(res.ok());
    const TokenId first = res->path.empty() ? res->next : d.tokens[res->path[0]];
    ++counts[first];
  }
  INFO("siblings = " << siblings);
  CHECK(TotalVariation(counts, n, p) <= 0.01);
}

TEST_CASE("Stochastic acceptance treats probability-less drafts as point masses", "[acceptance][stochastic]") {
  const std::vector<double> p = {0.25, 0.25, 0.5};
  SamplingParams params;
  params.temperature = 1.0f;
  auto policy = MakeStochasticAcceptance(params);
  REQUIRE(policy.ok());
  Rng rng(9);
  const int n = 200000;
  std::map<TokenId, int> counts;
  TargetOutput target;
  target.vocab = 3;
  target.rows = 2;
  target.argmax = {0, 0};
  for (int r = 0; r < 2; ++r) {
    const auto l = LogitsOf(p);
    target.logits.insert(target.logits.end(), l.begin(), l.end());
  }
  int accepted = 0;
  for (int i = 0; i < n; ++i) {
    auto res = (*policy)->Accept(Draft::Chain({0}), target, &rng);  // deterministic draft: always token 0
    REQUIRE(res.ok());
    accepted += res->path.empty() ? 0 : 1;
    ++counts[res->path.empty() ? res->next : 0];
  }
  CHECK(accepted / double(n) == Approx(0.25).margin(0.005));  // accept with p(0) / 1
  CHECK(TotalVariation(counts, n, p) <= 0.01);
}

TEST_CASE("Stochastic acceptance needs logits and a positive temperature", "[acceptance]") {
  SamplingParams greedy;
  CHECK_FALSE(MakeStochasticAcceptance(greedy).ok());
  SamplingParams params;
  params.temperature = 1.0f;
  auto policy = MakeStochasticAcceptance(params);
  REQUIRE(policy.ok());
  Rng rng(1);
  CHECK_FALSE((*policy)->Accept(Draft(), ArgmaxRows({1}), &rng).ok());  // no logits
}

}  // namespace
}  // namespace xsd
