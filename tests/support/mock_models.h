// Test helpers: the scripted mock target and a noisy-oracle drafter over it,
// built the same way by every scheduler test (failing the test on a bad
// option).
#pragma once

#include <cstdint>
#include <memory>

#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd_catch.h"

namespace xsd::testing {

// A MockVerifier over a scripted LM of `vocab` tokens drawn from `seed`.
inline std::unique_ptr<MockVerifier> ScriptedTarget(int vocab, uint64_t seed) {
  ScriptedLmOptions options;
  options.vocab_size = vocab;
  options.seed = seed;
  auto target = MockVerifier::Create(options);
  INFO(target.status().ToString());
  REQUIRE(target.ok());
  return std::move(target).value();
}

// A drafter that proposes `target`'s own greedy token with probability
// `agreement` per position (MakeScriptedOracle over its LM); `options` sets
// the rest (seed, costs).
inline std::unique_ptr<NoisyOracleDrafter> OracleDrafter(const MockVerifier& target, double agreement,
                                                         NoisyOracleOptions options = {}) {
  options.agreement = agreement;
  auto drafter = NoisyOracleDrafter::Create(options, MakeScriptedOracle(&target.lm()), target.info());
  INFO(drafter.status().ToString());
  REQUIRE(drafter.ok());
  return std::move(drafter).value();
}

}  // namespace xsd::testing
