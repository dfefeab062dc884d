// Checks shared by the cases on the CPU (llama_step_runner_test.cc,
// row_invariant_cpu_test.cc) and on CUDA (llama_cuda_test.cc,
// cuda_kernels_test.cc): plain forwards as the reference, the independence
// of a step from stale cache rows, and verify rows that are decode steps.
#pragma once

#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "llama_test_models.h"
#include "xsd/base/rng.h"
#include "xsd/models/llama_step_runner.h"
#include "xsd_catch.h"

namespace xsd::testing {

// A plain forward of host rows (the reference the static steps must equal).
inline LlamaOutput PlainStep(const LlamaModel& model, KvCache* cache, const LlamaStepInput& step) {
  auto out = RunLlamaStep(model, cache, nullptr, step, LogitsRows::kAll);
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  return std::move(out).value();
}

inline void Prefill(const LlamaModel& model, KvCache* cache, const std::vector<TokenId>& prompt) {
  LlamaStepInput step;
  step.tokens = prompt;
  for (size_t i = 0; i < prompt.size(); ++i) step.positions.push_back(static_cast<int64_t>(i));
  PlainStep(model, cache, step);
  REQUIRE(cache->Advance(static_cast<int>(prompt.size())).ok());
}

// Rows past the committed length are masked out of attention: whatever an
// earlier request left there must not change a single bit of the outputs
// (the static span covers them; a leak would make greedy outputs depend on
// the cache's history).
inline void CheckStaleRowsIgnored(const LlamaModel& model, bool cuda_graphs) {
  const LlamaConfig& config = model.config();
  auto clean = MakeCache(model, 64);
  auto stale = MakeCache(model, 64);
  {
    c10::NoGradGuard no_grad;
    stale->all_keys().copy_(at::randn(stale->all_keys().sizes()) * 3);
    stale->all_values().copy_(at::randn(stale->all_values().sizes()) * 3);
  }
  LlamaStepRunnerOptions options;
  options.cuda_graphs = cuda_graphs;
  options.span_granule = 16;
  auto a = LlamaStepRunner::Create(&model, clean.get(), options);
  auto b = LlamaStepRunner::Create(&model, stale.get(), options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const std::vector<TokenId> prompt = {3, 1, 4, 1, 5, 9, 2, 6};
  Prefill(model, clean.get(), prompt);
  Prefill(model, stale.get(), prompt);
  Rng rng(11);
  for (int s = 0; s < 12; ++s) {
    const int rows = 1 + static_cast<int>(rng.Below(5));
    LlamaStepInput step;
    for (int i = 0; i < rows; ++i) {
      step.tokens.push_back(static_cast<TokenId>(rng.Below(config.vocab_size)));
      step.positions.push_back(clean->length() + i);
    }
    auto x = (*a)->Forward(step);
    auto y = (*b)->Forward(step);
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    INFO("step " << s << ", " << rows << " rows after " << clean->length());
    CHECK(at::equal(x->logits, y->logits));
    CHECK(at::equal(x->hidden, y->hidden));
    const int keep = 1 + static_cast<int>(rng.Below(rows));
    REQUIRE(clean->Advance(keep).ok());
    REQUIRE(stale->Advance(keep).ok());
  }
}

// The golden property at the model level, for a model computing with
// row-invariant numerics (libxsd's CUDA kernels, or the CPU's: both run
// these): a verify forward of three rows gives each row the logits of the
// decode step that would have produced it, bit for bit, and the cache rows
// of those steps (per layer and row, to tell a projection from an attention
// mismatch).
inline void CheckVerifyRowsAreDecodeSteps(const LlamaModel& model) {
  const std::vector<int32_t> tokens = {4, 8, 15, 16, 23, 42, 7, 1, 9, 30, 31};
  auto forward = [&](KvCache* cache, int start, int count) {
    LlamaInput input;
    input.tokens = *TokensTensor(std::vector<int32_t>(tokens.begin() + start, tokens.begin() + start + count),
                                 model.device());
    input.positions = *PositionRange(start, count, model.device());
    input.logits = LogitsRows::kAll;
    auto out = model.Forward(input, cache);
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    REQUIRE(cache->Advance(count).ok());
    return out->logits.cpu();
  };
  auto steps_cache = KvCache::Create(model.CacheSpec(16));
  auto verify_cache = KvCache::Create(model.CacheSpec(16));
  REQUIRE(steps_cache.ok());
  REQUIRE(verify_cache.ok());
  (void)forward(steps_cache->get(), 0, 8);
  (void)forward(verify_cache->get(), 0, 8);
  const at::Tensor verified = forward(verify_cache->get(), 8, 3);  // [3, vocab]
  REQUIRE(verified.size(0) == 3);
  for (int i = 0; i < 3; ++i) {
    INFO("row " << i);
    const at::Tensor step = forward(steps_cache->get(), 8 + i, 1);
    CHECK(at::equal(step.reshape({-1}), verified[i]));
  }
  // Per layer and cache row, to tell a projection from an attention mismatch.
  const at::Tensor step_keys = (*steps_cache)->all_keys().narrow(-2, 0, 11).cpu();
  const at::Tensor verify_keys = (*verify_cache)->all_keys().narrow(-2, 0, 11).cpu();
  for (int64_t layer = 0; layer < step_keys.size(0); ++layer) {
    for (int64_t row = 8; row < 11; ++row) {
      INFO("layer " << layer << ", cache row " << row);
      CHECK(at::equal(step_keys[layer].narrow(-2, row, 1), verify_keys[layer].narrow(-2, row, 1)));
    }
  }
}

// The same for a draft tree: a verify forward of a root token and two
// children of it (rows 1 and 2 both at the next position, each seeing only
// the root: tree_mask) gives each row the logits of the decode steps along
// its own branch, bit for bit.
inline void CheckTreeRowsAreBranchSteps(const LlamaModel& model) {
  const std::vector<int32_t> prompt = {4, 8, 15, 16, 23, 42, 7, 1};
  const int32_t root = 9, first = 30, second = 31;
  auto run = [&](KvCache* cache, const std::vector<int32_t>& tokens, const std::vector<int64_t>& positions,
                 const at::Tensor& tree_mask) {
    LlamaInput input;
    input.tokens = *TokensTensor(tokens, model.device());
    input.positions = at::tensor(positions, at::TensorOptions().dtype(at::kLong)).to(model.device());
    input.tree_mask = tree_mask;
    input.logits = LogitsRows::kAll;
    auto out = model.Forward(input, cache);
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    REQUIRE(cache->Advance(static_cast<int>(tokens.size())).ok());
    return out->logits.cpu();
  };
  std::vector<int64_t> prompt_positions(prompt.size());
  for (size_t i = 0; i < prompt.size(); ++i) prompt_positions[i] = static_cast<int64_t>(i);
  auto tree_cache = KvCache::Create(model.CacheSpec(16));
  REQUIRE(tree_cache.ok());
  (void)run(tree_cache->get(), prompt, prompt_positions, at::Tensor());
  const at::Tensor mask = at::tensor(std::vector<uint8_t>{1, 0, 0, 1, 1, 0, 1, 0, 1})
                              .to(at::kBool)
                              .view({3, 3})
                              .to(model.device());
  const at::Tensor tree = run(tree_cache->get(), {root, first, second}, {8, 9, 9}, mask);  // [3, vocab]
  REQUIRE(tree.size(0) == 3);
  for (const int branch : {1, 2}) {
    INFO("branch " << branch);
    auto cache = KvCache::Create(model.CacheSpec(16));
    REQUIRE(cache.ok());
    (void)run(cache->get(), prompt, prompt_positions, at::Tensor());
    const at::Tensor at_root = run(cache->get(), {root}, {8}, at::Tensor());
    const at::Tensor at_child = run(cache->get(), {branch == 1 ? first : second}, {9}, at::Tensor());
    CHECK(at::equal(at_root.reshape({-1}), tree[0]));
    CHECK(at::equal(at_child.reshape({-1}), tree[branch]));
  }
}

}  // namespace xsd::testing
