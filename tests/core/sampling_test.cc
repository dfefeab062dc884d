#include "xsd/core/sampling.h"

#include <cmath>
#include <map>

#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Argmax breaks ties toward the lowest token id", "[sampling][ties]") {
  CHECK(Argmax(std::vector<float>{1, 3, 3, 2}) == 1);
  CHECK(Argmax(std::vector<float>{5, 5, 5}) == 0);
  CHECK(Argmax(std::vector<float>{-1, -1, 0, 0}) == 2);
}

TEST_CASE("Greedy params give a point mass at the argmax", "[sampling]") {
  std::vector<float> probs;
  LogitsToProbs(std::vector<float>{0.1f, 2.0f, 2.0f}, SamplingParams{}, &probs);
  CHECK(probs == std::vector<float>{0, 1, 0});
}

TEST_CASE("Temperature softmax matches hand-computed values", "[sampling]") {
  SamplingParams p;
  p.temperature = 0.5f;
  std::vector<float> probs;
  LogitsToProbs(std::vector<float>{0.0f, std::log(2.0f)}, p, &probs);
  // exp(0/0.5) : exp(ln2/0.5) = 1 : 4
  CHECK(probs[0] == Approx(0.2).epsilon(1e-6));
  CHECK(probs[1] == Approx(0.8).epsilon(1e-6));
}

TEST_CASE("Top-p keeps the smallest prefix reaching p and renormalises", "[sampling]") {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 0.7f;
  // probabilities 0.5, 0.3, 0.2 (logits are their logs)
  std::vector<float> probs;
  LogitsToProbs(std::vector<float>{std::log(0.2f), std::log(0.5f), std::log(0.3f)}, p, &probs);
  CHECK(probs[0] == 0.0f);
  CHECK(probs[1] == Approx(0.5 / 0.8).epsilon(1e-5));
  CHECK(probs[2] == Approx(0.3 / 0.8).epsilon(1e-5));
}

TEST_CASE("SampleFrom follows the distribution and is reproducible", "[sampling]") {
  const std::vector<float> probs = {0.1f, 0.0f, 0.6f, 0.3f};
  Rng a(42), b(42);
  std::map<TokenId, int> counts;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const TokenId x = SampleFrom(probs, &a);
    REQUIRE(x == SampleFrom(probs, &b));
    ++counts[x];
  }
  CHECK(counts[1] == 0);
  CHECK(counts[0] / double(n) == Approx(0.1).margin(0.005));
  CHECK(counts[2] / double(n) == Approx(0.6).margin(0.005));
  CHECK(counts[3] / double(n) == Approx(0.3).margin(0.005));
}

TEST_CASE("Sampling params are validated with field names", "[sampling]") {
  SamplingParams p;
  p.temperature = -1;
  absl::Status s = ValidateSamplingParams(p);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("acceptance.temperature") != std::string::npos);
  p.temperature = 1;
  p.top_p = 0;
  s = ValidateSamplingParams(p);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("acceptance.top_p") != std::string::npos);
}

TEST_CASE("Rng is portable: a fixed seed gives fixed values", "[rng]") {
  // xoshiro256** whose state is the first four splitmix64 outputs of seed 0
  // (0xe220a8397b1dcdaf, ... as published with splitmix64); expected values
  // computed by an independent Python implementation of the two algorithms.
  Rng rng(0);
  CHECK(rng.NextU64() == 0x99ec5f36cb75f2b4ull);
  CHECK(rng.NextU64() == 0xbf6e1f784956452aull);
  CHECK(rng.NextU64() == 0x1a5f849d4933e6e0ull);
  CHECK(Rng(0).NextU64() != Rng(1).NextU64());
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.Uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    REQUIRE(rng.Below(7) < 7u);
  }
}

}  // namespace
}  // namespace xsd
