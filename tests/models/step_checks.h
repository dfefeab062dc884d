// Checks shared by the step-runner cases on the CPU (llama_step_runner_test.cc)
// and on CUDA (llama_cuda_test.cc): plain forwards as the reference, and the
// independence of a step from stale cache rows.
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

}  // namespace xsd::testing
