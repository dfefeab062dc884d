// EAGLE-1 head drafting over a real (tiny, random) LLaMA target: chains and
// EAGLE-2 trees are lossless under greedy acceptance, and the head's cache
// rollback leaves it where a fresh head that saw the same committed sequence
// would be.
#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/config/pipeline.h"
#include "xsd/drafters/eagle_drafter.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

const char* kTarget = R"pb(target { name: "llama" llama { checkpoint { random_preset: "tiny" } random_seed: 3 max_seq_len: 512 } })pb";

std::unique_ptr<Pipeline> Build(const std::string& rest) {
  auto p = Pipeline::FromTextProto(absl::StrCat(kTarget, rest), "eagle_test");
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  return std::move(p).value();
}

TEST_CASE("EAGLE chains and EAGLE-2 trees are lossless", "[eagle][lossless]") {
  auto ar = Build(R"pb( max_new_tokens: 48 scheduler { name: "autoregressive" })pb");
  const std::string eagle = R"pb( max_new_tokens: 48 drafter { name: "eagle" eagle { checkpoint { random_preset: "tiny" } random_seed: 5 max_seq_len: 512 } })pb";
  auto chain = Build(absl::StrCat(eagle, R"pb( scheduler { name: "speculative" gamma: 4 })pb"));
  auto tree = Build(absl::StrCat(eagle, R"pb( scheduler { name: "speculative" tree { top_k: 3 depth: 4 total_tokens: 12 } })pb"));
  int64_t tree_nodes = 0, rounds = 0;
  for (int i = 0; i < 5; ++i) {
    Request r;
    r.prompt_tokens = {1, static_cast<TokenId>(20 + 7 * i), 33, static_cast<TokenId>(5 + i), 200};
    auto a = ar->Generate(r);
    auto c = chain->Generate(r);
    auto t = tree->Generate(r);
    REQUIRE(a.ok());
    REQUIRE(c.ok());
    REQUIRE(t.ok());
    CHECK(c->tokens == a->tokens);
    CHECK(t->tokens == a->tokens);
    CHECK(c->stats.drafted > 0);
    CHECK(t->stats.new_tokens == 1 + t->stats.accepted + t->stats.bonus);
    tree_nodes += t->stats.drafted;
    rounds += t->stats.rounds;
  }
  CHECK(tree_nodes > 5 * rounds);  // real trees, not chains
}

// Stochastic acceptance: sampled trees (every expanded node's top_k children
// drawn from its q; their distribution is checked in
// tests/schedulers/distribution_real_test.cc).
TEST_CASE("EAGLE sampled trees are reproducible per seed", "[eagle]") {
  auto p = Build(R"pb( max_new_tokens: 20 drafter { name: "eagle" eagle { checkpoint { random_preset: "tiny" } } }
                       scheduler { name: "speculative" tree { top_k: 2 depth: 3 total_tokens: 6 } }
                       acceptance { name: "stochastic" temperature: 1 })pb");
  Request r;
  r.prompt_tokens = {1, 2, 3};
  r.seed = 4;
  auto a = p->Generate(r);
  auto b = p->Generate(r);
  INFO(a.status().ToString());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->tokens == b->tokens);
  CHECK(a->tokens.size() == 20);
  // Trees of 6 nodes (2 + 2 + 2) while the budget lasts.
  CHECK(a->stats.drafted_at_depth.size() == 3);
  CHECK(a->stats.drafted > 4 * a->stats.rounds);
}

TEST_CASE("EAGLE sampled chains are reproducible per seed", "[eagle]") {
  auto p = Build(R"pb( max_new_tokens: 20 drafter { name: "eagle" eagle { checkpoint { random_preset: "tiny" } } }
                       scheduler { name: "speculative" gamma: 3 } acceptance { name: "stochastic" temperature: 0.9 })pb");
  Request r;
  r.prompt_tokens = {4, 8, 15, 16};
  r.seed = 11;
  auto a = p->Generate(r);
  auto b = p->Generate(r);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->tokens == b->tokens);
  CHECK(a->stats.drafted > 0);
}

// After rounds of drafting and rollback, the head drafts what a fresh head
// drafts when it observes the whole committed sequence at once.
TEST_CASE("EAGLE rollback matches a fresh head", "[eagle]") {
  auto config = LlamaPresetConfig("tiny");
  REQUIRE(config.ok());
  auto weights = RandomLlamaWeights(*config, 3, WeightSourceOptions());
  REQUIRE(weights.ok());
  std::shared_ptr<const LlamaModel> model(LlamaModel::Load(*config, weights->get()).value().release());
  LlamaSequenceOptions so;
  so.max_seq_len = 256;
  auto target = LlamaVerifier::Create(model, so);
  auto fresh_target = LlamaVerifier::Create(model, so);
  REQUIRE(target.ok());
  REQUIRE(fresh_target.ok());
  auto make_head = [&]() {
    LlamaConfig hc = *config;
    hc.num_layers = 1;
    LlamaWeightNames names;
    names.decoder_prefix = "";
    auto w = RandomLlamaWeights(hc, 5, WeightSourceOptions(), names).value();
    at::manual_seed(6);
    w->Set("fc.weight", at::randn({hc.hidden_size, 2 * hc.hidden_size}) * 0.1);
    w->Set("fc.bias", at::randn({hc.hidden_size}) * 0.1);
    return EagleHead::Load(hc, w.get(), 256).value();
  };
  auto drafter = EagleDrafter::Create(make_head(), target->get(), 256);
  auto fresh = EagleDrafter::Create(make_head(), fresh_target->get(), 256);
  REQUIRE(drafter.ok());
  REQUIRE(fresh.ok());

  Request r;
  r.prompt_tokens = {3, 1, 4, 1, 5};
  auto out = (*target)->Prefill(r, {});
  REQUIRE(out.ok());
  REQUIRE((*drafter)->Begin(DraftContext{&r, {}, 1}).ok());
  std::vector<TokenId> output = {out->argmax[0]};
  RoundOutcome o;
  o.committed = output;
  o.target.hidden = (*target)->committed_hidden();
  o.target.input_embeds = (*target)->committed_input_embeds();
  REQUIRE((*drafter)->Observe(o).ok());
  for (int round = 0; round < 4; ++round) {
    auto d = (*drafter)->Propose(DraftSpec{3, std::nullopt});
    REQUIRE(d.ok());
    auto v = (*target)->Verify(output.back(), *d, {});
    REQUIRE(v.ok());
    // Keep the first draft node when it matches, else none; commit the target's next token.
    std::vector<int32_t> kept;
    std::vector<TokenId> committed;
    if (d->size() > 0 && d->tokens[0] == v->argmax[0]) {
      kept.push_back(0);
      committed.push_back(d->tokens[0]);
      committed.push_back(v->argmax[1]);
    } else {
      committed.push_back(v->argmax[0]);
    }
    REQUIRE((*target)->Commit(kept).ok());
    output.insert(output.end(), committed.begin(), committed.end());
    RoundOutcome ro;
    ro.committed = committed;
    ro.accepted_nodes = kept;
    ro.target.hidden = (*target)->committed_hidden();
    ro.target.input_embeds = (*target)->committed_input_embeds();
    REQUIRE((*drafter)->Observe(ro).ok());
  }
  auto incremental = (*drafter)->Propose(DraftSpec{3, std::nullopt});
  REQUIRE(incremental.ok());

  // The fresh head sees prompt + output[:-1] in one prefill-like Observe.
  Request whole;
  whole.prompt_tokens = r.prompt_tokens;
  whole.prompt_tokens.insert(whole.prompt_tokens.end(), output.begin(), output.end() - 1);
  REQUIRE((*fresh_target)->Prefill(whole, {}).ok());
  REQUIRE((*fresh)->Begin(DraftContext{&whole, {}, 1}).ok());
  RoundOutcome f;
  const std::vector<TokenId> last = {output.back()};
  f.committed = last;
  f.target.hidden = (*fresh_target)->committed_hidden();
  f.target.input_embeds = (*fresh_target)->committed_input_embeds();
  REQUIRE((*fresh)->Observe(f).ok());
  auto reference = (*fresh)->Propose(DraftSpec{3, std::nullopt});
  REQUIRE(reference.ok());
  CHECK(incremental->tokens == reference->tokens);
}

}  // namespace
}  // namespace xsd
