// LlamaModel numerics against the float64 reference of llama_reference.h,
// and the cache properties the verifier relies on.
#include "xsd/models/llama_model.h"

#include <ATen/ATen.h>

#include "llama_reference.h"
#include "llama_test_models.h"
#include "xsd/base/rng.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::MakeCache;
using testing::MakeTinyModel;
using testing::MaxAbsDiff;

// fp32 against float64 over two layers of width 64: each logit is a sum of
// a few hundred float32 products of O(1) terms, so rounding stays near 1e-6;
// 1e-4 leaves a wide margin yet catches any real mistake (a wrong angle, a
// wrong head mapping or mask moves logits by O(0.1)).
constexpr double kRefTol = 1e-4;

std::vector<int32_t> RandomTokens(Rng& rng, int n, int vocab) {
  std::vector<int32_t> t(n);
  for (int32_t& x : t) x = static_cast<int32_t>(rng.Below(vocab));
  return t;
}

std::vector<int64_t> Iota(int64_t start, int n) {
  std::vector<int64_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i;
  return v;
}

LlamaOutput Run(const LlamaModel& model, KvCache& cache, const std::vector<int32_t>& tokens,
                const std::vector<int64_t>& positions, LogitsRows rows = LogitsRows::kAll,
                const at::Tensor& tree_mask = at::Tensor()) {
  LlamaInput input;
  input.tokens = *TokensTensor(tokens, model.device());
  input.positions = *PositionsTensor(positions, model.device());
  input.tree_mask = tree_mask;
  input.logits = rows;
  auto out = model.Forward(input, &cache);
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  return *out;
}

TEST_CASE("LlamaModel prefill matches the float64 reference for every config variant", "[models][llama]") {
  struct Variant {
    const char* name;
    LlamaConfig config;
  };
  std::vector<Variant> variants;
  variants.push_back({"gqa", testing::TinyConfig()});
  LlamaConfig mha = testing::TinyConfig();
  mha.num_kv_heads = mha.num_heads;
  variants.push_back({"mha", mha});
  LlamaConfig mqa = testing::TinyConfig();
  mqa.num_kv_heads = 1;
  mqa.tie_word_embeddings = true;
  variants.push_back({"mqa+tied", mqa});
  LlamaConfig linear = testing::TinyConfig();
  linear.rope.type = RopeConfig::Type::kLinear;
  linear.rope.factor = 2.5;
  linear.attention_bias = true;
  linear.mlp_bias = true;
  variants.push_back({"linear+bias", linear});
  LlamaConfig llama3 = testing::TinyConfig();
  llama3.rope.type = RopeConfig::Type::kLlama3;
  llama3.rope.theta = 10000.0;
  llama3.rope.factor = 8.0;
  llama3.rope.low_freq_factor = 1.0;
  llama3.rope.high_freq_factor = 4.0;
  llama3.rope.original_max_position_embeddings = 64;  // puts the 8 frequencies in all three bands
  variants.push_back({"llama3", llama3});
  LlamaConfig wide_head = testing::TinyConfig();
  wide_head.head_dim = 32;  // explicit head_dim != hidden / heads
  variants.push_back({"head_dim", wide_head});

  Rng rng(11);
  for (const Variant& v : variants) {
    INFO("variant " << v.name);
    auto m = MakeTinyModel(v.config, 100 + rng.Below(1000));
    auto cache = MakeCache(*m.model, 64);
    const int n = 23;
    const std::vector<int32_t> tokens = RandomTokens(rng, n, v.config.vocab_size);
    const LlamaOutput out = Run(*m.model, *cache, tokens, Iota(0, n));
    const testing::ReferenceOutput ref =
        testing::ReferenceForward(v.config, *m.weights, tokens, Iota(0, n), testing::CausalVisibility(n));
    CHECK(out.hidden.sizes() == at::IntArrayRef({n, v.config.hidden_size}));
    CHECK(out.logits.sizes() == at::IntArrayRef({n, v.config.vocab_size}));
    CHECK(MaxAbsDiff(out.hidden, ref.hidden) < kRefTol);
    CHECK(MaxAbsDiff(out.logits, ref.logits) < kRefTol);
    // The test is sensitive: logits are O(1) and differ between positions.
    CHECK(ref.logits.abs().max().item<double>() > 1.0);
    CHECK(cache->length() == 0);  // Forward never moves the cursor
  }
}

TEST_CASE("Prefill logits equal step-by-step logits through the cache", "[models][llama]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 7);
  Rng rng(5);
  const int n = 19;
  const std::vector<int32_t> tokens = RandomTokens(rng, n, m.config.vocab_size);
  auto prefill_cache = MakeCache(*m.model, 32);
  const LlamaOutput all = Run(*m.model, *prefill_cache, tokens, Iota(0, n));

  // Same sequence: a 5-token prefill, one token at a time, then a 4-token chunk.
  auto cache = MakeCache(*m.model, 32);
  std::vector<at::Tensor> rows;
  int pos = 0;
  for (int chunk : {5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4}) {
    const std::vector<int32_t> part(tokens.begin() + pos, tokens.begin() + pos + chunk);
    const LlamaOutput out = Run(*m.model, *cache, part, Iota(pos, chunk));
    REQUIRE(cache->Advance(chunk).ok());
    rows.push_back(out.logits);
    pos += chunk;
  }
  REQUIRE(pos == n);
  // fp32 through the same kernels with different batch shapes: rounding only.
  CHECK(MaxAbsDiff(at::cat(rows, 0), all.logits) < 1e-5);
  // And the caches agree row for row.
  CHECK(MaxAbsDiff(cache->all_keys().narrow(2, 0, n), prefill_cache->all_keys().narrow(2, 0, n)) < 1e-5);
  CHECK(MaxAbsDiff(cache->all_values().narrow(2, 0, n), prefill_cache->all_values().narrow(2, 0, n)) < 1e-5);
}

TEST_CASE("LogitsRows::kLast returns the last row only; kNone none", "[models][llama]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 8);
  auto cache = MakeCache(*m.model, 16);
  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5};
  const LlamaOutput all = Run(*m.model, *cache, tokens, Iota(0, 5));
  const LlamaOutput last = Run(*m.model, *cache, tokens, Iota(0, 5), LogitsRows::kLast);
  const LlamaOutput none = Run(*m.model, *cache, tokens, Iota(0, 5), LogitsRows::kNone);
  CHECK(last.logits.sizes() == at::IntArrayRef({1, m.config.vocab_size}));
  CHECK(MaxAbsDiff(last.logits[0], all.logits[4]) < 1e-6);
  CHECK_FALSE(none.logits.defined());
  CHECK(none.hidden.size(0) == 5);
}

TEST_CASE("Input embeddings give the same result as token ids", "[models][llama]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 9);
  const std::vector<int32_t> tokens = {10, 20, 30, 40};
  auto a = MakeCache(*m.model, 16);
  auto b = MakeCache(*m.model, 16);
  const LlamaOutput by_ids = Run(*m.model, *a, tokens, Iota(0, 4));
  LlamaInput input;
  input.embeds = *m.model->Embed(*TokensTensor(tokens, m.model->device()));
  input.positions = *PositionRange(0, 4, m.model->device());
  auto by_embeds = m.model->Forward(input, b.get());
  REQUIRE(by_embeds.ok());
  CHECK(MaxAbsDiff(by_embeds->logits, by_ids.logits) == 0.0);
  CHECK(MaxAbsDiff(by_embeds->input_embeds, m.weights->tensors().at("model.embed_tokens.weight").index_select(
                                                 0, *TokensTensor(tokens, m.model->device()))) == 0.0);
  // LmHead(hidden) is the logits.
  CHECK(MaxAbsDiff(*m.model->LmHead(by_ids.hidden), by_ids.logits) < 1e-6);
}

// A random tree of n nodes under the last committed token: parents precede children.
std::vector<int> RandomParents(Rng& rng, int n) {
  std::vector<int> parents(n);
  for (int i = 0; i < n; ++i) parents[i] = static_cast<int>(rng.Below(i + 1)) - 1;  // -1 .. i-1
  return parents;
}

TEST_CASE("A tree forward equals running each root-to-node path on its own", "[models][llama][property]") {
  Rng rng(2024);
  for (int trial = 0; trial < 12; ++trial) {
    auto m = MakeTinyModel(testing::TinyConfig(), 300 + trial);
    const int prefix = 1 + static_cast<int>(rng.Below(9));
    const int n = 1 + static_cast<int>(rng.Below(12));
    const std::vector<int32_t> context = RandomTokens(rng, prefix, m.config.vocab_size);
    const std::vector<int32_t> nodes = RandomTokens(rng, n, m.config.vocab_size);
    const std::vector<int> parents = RandomParents(rng, n);
    INFO("trial " << trial << " prefix " << prefix << " nodes " << n);

    // Committed prefix, then all nodes in one forward with the tree mask and
    // position = prefix length + depth - 1 (nodes continue the context).
    auto cache = MakeCache(*m.model, 64);
    Run(*m.model, *cache, context, Iota(0, prefix), LogitsRows::kNone);
    REQUIRE(cache->Advance(prefix).ok());
    std::vector<int> depth(n);
    std::vector<int64_t> positions(n);
    at::Tensor mask = at::zeros({n, n}, at::kBool);
    for (int i = 0; i < n; ++i) {
      depth[i] = parents[i] < 0 ? 0 : depth[parents[i]] + 1;
      positions[i] = prefix + depth[i];
      for (int a = i; a >= 0; a = parents[a]) mask[i][a] = true;
    }
    const LlamaOutput tree = Run(*m.model, *cache, nodes, positions, LogitsRows::kAll, mask);

    for (int i = 0; i < n; ++i) {
      std::vector<int32_t> path;
      for (int a = i; a >= 0; a = parents[a]) path.insert(path.begin(), nodes[a]);
      auto fresh = MakeCache(*m.model, 64);
      Run(*m.model, *fresh, context, Iota(0, prefix), LogitsRows::kNone);
      REQUIRE(fresh->Advance(prefix).ok());
      const LlamaOutput chain = Run(*m.model, *fresh, path, Iota(prefix, static_cast<int>(path.size())),
                                    LogitsRows::kLast);
      INFO("node " << i << " depth " << depth[i]);
      CHECK(MaxAbsDiff(tree.logits[i], chain.logits[0]) < 1e-5);
      CHECK(MaxAbsDiff(tree.hidden[i], chain.hidden[path.size() - 1]) < 1e-5);
    }
  }
}

TEST_CASE("A tree forward matches the float64 reference with the same visibility", "[models][llama]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 41);
  // prompt of 4, then pending token + tree: 0 <- {1, 2}, 1 <- {3}, 2 <- {4, 5}
  const std::vector<int32_t> prompt = {5, 6, 7, 8};
  const std::vector<int32_t> rows = {9, 10, 11, 12, 13, 14};
  const std::vector<int> parent = {-1, 0, 0, 1, 2, 2};  // row 0 is the pending token
  auto cache = MakeCache(*m.model, 32);
  Run(*m.model, *cache, prompt, Iota(0, 4), LogitsRows::kNone);
  REQUIRE(cache->Advance(4).ok());
  at::Tensor mask = at::zeros({6, 6}, at::kBool);
  std::vector<int64_t> positions(6);
  std::vector<int> depth(6);
  for (int i = 0; i < 6; ++i) {
    depth[i] = parent[i] < 0 ? 0 : depth[parent[i]] + 1;
    positions[i] = 4 + depth[i];
    for (int a = i; a >= 0; a = parent[a]) mask[i][a] = true;
  }
  const LlamaOutput out = Run(*m.model, *cache, rows, positions, LogitsRows::kAll, mask);

  std::vector<int32_t> tokens = prompt;
  tokens.insert(tokens.end(), rows.begin(), rows.end());
  std::vector<int64_t> all_positions = Iota(0, 4);
  all_positions.insert(all_positions.end(), positions.begin(), positions.end());
  std::vector<std::vector<bool>> visible = testing::CausalVisibility(10);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) visible[4 + i][4 + j] = mask[i][j].item<bool>();
  }
  const auto ref = testing::ReferenceForward(m.config, *m.weights, tokens, all_positions, visible);
  CHECK(MaxAbsDiff(out.logits, ref.logits.narrow(0, 4, 6)) < kRefTol);
}

TEST_CASE("LlamaModel::Forward rejects bad inputs with a Status", "[models][llama]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 3);
  auto cache = MakeCache(*m.model, 4);
  LlamaInput input;
  input.positions = *PositionRange(0, 2, m.model->device());
  CHECK_FALSE(m.model->Forward(input, cache.get()).ok());  // neither tokens nor embeds
  input.tokens = *TokensTensor({1, 2}, m.model->device());
  CHECK_FALSE(m.model->Forward(input, nullptr).ok());
  input.positions = *PositionRange(0, 3, m.model->device());
  CHECK_FALSE(m.model->Forward(input, cache.get()).ok());  // one position per row
  input.tokens = *TokensTensor({1, 2, 3, 4, 5}, m.model->device());
  input.positions = *PositionRange(0, 5, m.model->device());
  auto overflow = m.model->Forward(input, cache.get());
  CHECK(overflow.status().code() == absl::StatusCode::kOutOfRange);
  // A cache of another shape.
  KvCacheSpec other = m.model->CacheSpec(8);
  other.num_kv_heads = 4;
  auto wrong = KvCache::Create(other);
  REQUIRE(wrong.ok());
  input.tokens = *TokensTensor({1}, m.model->device());
  input.positions = *PositionRange(0, 1, m.model->device());
  CHECK_FALSE(m.model->Forward(input, wrong->get()).ok());
  // Out-of-vocabulary ids become a Status, not an exception.
  input.tokens = *TokensTensor({1000}, m.model->device());
  CHECK_FALSE(m.model->Forward(input, cache.get()).ok());
}

}  // namespace
}  // namespace xsd
