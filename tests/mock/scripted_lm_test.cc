#include "xsd/mock/scripted_lm.h"

#include "xsd/core/sampling.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

ScriptedLmOptions Options(int vocab, uint64_t seed) {
  ScriptedLmOptions o;
  o.vocab_size = vocab;
  o.seed = seed;
  o.max_seq_len = 64;
  return o;
}

TEST_CASE("ScriptedLm logits are a pure function of seed and context", "[mock]") {
  auto a = ScriptedLm::Create(Options(32, 1));
  auto b = ScriptedLm::Create(Options(32, 1));
  auto c = ScriptedLm::Create(Options(32, 2));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  const uint64_t h = (*a)->HashOf({1, 2, 3});
  CHECK((*a)->Logits(h) == (*b)->Logits(h));
  CHECK((*a)->Logits(h) != (*c)->Logits(h));
  CHECK((*a)->Logits(h) != (*a)->Logits((*a)->HashOf({1, 2, 4})));
  CHECK((*a)->Logits(h) != (*a)->Logits((*a)->HashOf({2, 2, 3})));  // whole context matters
}

TEST_CASE("ScriptedLm reads its context back from the KV cache", "[mock]") {
  auto lm = ScriptedLm::Create(Options(16, 3));
  REQUIRE(lm.ok());
  auto hashes = (*lm)->WriteRows({4, 5, 6}, {-1, 0, 1});
  REQUIRE(hashes.ok());
  REQUIRE((*lm)->cache().Advance(3).ok());
  CHECK((*lm)->CommittedTokens() == std::vector<TokenId>{4, 5, 6});
  CHECK((*lm)->CommittedHash() == (*lm)->HashOf({4, 5, 6}));
  // Corrupting a cached row changes what the model sees.
  (*lm)->cache().all_values().view({-1})[2] = 12345;
  CHECK((*lm)->CommittedHash() != (*lm)->HashOf({4, 5, 6}));
}

TEST_CASE("logit_levels plants argmax ties", "[mock][ties]") {
  auto o = Options(64, 5);
  o.logit_levels = 2;
  auto lm = ScriptedLm::Create(o);
  REQUIRE(lm.ok());
  int ties = 0;
  for (int i = 0; i < 50; ++i) {
    const auto logits = (*lm)->Logits((*lm)->HashOf({i}));
    const TokenId best = Argmax(logits);
    for (size_t v = best + 1; v < logits.size(); ++v) ties += logits[v] == logits[best] ? 1 : 0;
  }
  CHECK(ties > 50);
}

TEST_CASE("MockVerifier enforces the Verify/Commit contract", "[mock]") {
  auto v = MockVerifier::Create(Options(16, 1));
  REQUIRE(v.ok());
  Request r;
  r.prompt_tokens = {1, 2, 3};
  auto out = (*v)->Prefill(r, {});
  REQUIRE(out.ok());
  CHECK(out->rows == 1);
  CHECK((*v)->cache_length() == 3);
  CHECK_FALSE((*v)->Commit({}).ok());  // nothing verified yet
  REQUIRE((*v)->Verify(out->argmax[0], Draft::Chain({7, 8}), {}).ok());
  CHECK_FALSE((*v)->Verify(1, Draft(), {}).ok());  // verify twice without commit
  CHECK_FALSE((*v)->Commit({1}).ok());              // node 1 without its parent 0
  REQUIRE((*v)->Commit({0}).ok());
  CHECK((*v)->cache_length() == 5);  // prompt + pending + node 0
  CHECK_FALSE(MockVerifier::Create(Options(1, 1)).ok());
}

}  // namespace
}  // namespace xsd
