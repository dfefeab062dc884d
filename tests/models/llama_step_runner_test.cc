// LlamaStepRunner's static-shape steps (what CUDA graphs capture and replay)
// against plain LlamaModel::Forward on CPU: every row count, span buckets
// crossed as the sequence grows, chains and trees, tree compaction, the
// eager fallback above max_rows, and errors that name what is wrong.
#include "xsd/models/llama_step_runner.h"

#include <set>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "llama_reference.h"
#include "llama_test_models.h"
#include "random_steps.h"
#include "step_checks.h"
#include "xsd/base/rng.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::MakeCache;
using testing::MakeTinyModel;
using testing::MaxAbsDiff;
using testing::PlainStep;
using testing::Prefill;

TEST_CASE("Static-shape steps equal plain forwards across row and span buckets, chains and trees",
          "[models][llama][step_runner]") {
  const auto m = MakeTinyModel(testing::TinyConfig(), 404);  // GQA: the bias is repeated per group
  auto plain_cache = MakeCache(*m.model, 100);
  auto static_cache = MakeCache(*m.model, 100);
  LlamaStepRunnerOptions options;
  options.cuda_graphs = false;
  options.max_rows = 8;
  options.span_granule = 16;  // spans 32, 48, 64 ... are crossed below
  auto runner = LlamaStepRunner::Create(m.model.get(), static_cache.get(), options);
  INFO(runner.status().ToString());
  REQUIRE(runner.ok());

  std::vector<TokenId> prompt(21);
  Rng rng(5);
  for (TokenId& t : prompt) t = static_cast<TokenId>(rng.Below(m.config.vocab_size));
  Prefill(*m.model, plain_cache.get(), prompt);
  Prefill(*m.model, static_cache.get(), prompt);

  int steps = 0, trees = 0;
  std::set<int> row_counts;
  while (plain_cache->length() + 8 <= 90) {
    const int past = plain_cache->length();
    const int rows = 1 + static_cast<int>(rng.Below(8));
    const testing::RandomStep random = testing::MakeRandomStep(rng, past, rows, m.config.vocab_size);
    const LlamaStepInput& step = random.input;
    const bool tree = random.tree;
    INFO("step " << steps << ": past " << past << ", rows " << rows << (tree ? " (tree)" : ""));
    REQUIRE((*runner)->Handles(rows));
    const LlamaOutput want = PlainStep(*m.model, plain_cache.get(), step);
    auto got = (*runner)->Forward(step);
    INFO(got.status().ToString());
    REQUIRE(got.ok());
    REQUIRE(got->logits.size(0) == rows);
    REQUIRE(got->hidden.size(0) == rows);
    CHECK(MaxAbsDiff(got->logits, want.logits) < 1e-5);
    CHECK(MaxAbsDiff(got->hidden, want.hidden) < 1e-5);
    CHECK(MaxAbsDiff(got->input_embeds, want.input_embeds) < 1e-6);
    // Keep a path (root to a random node), compacted the same way in both caches.
    const std::vector<int32_t> path = testing::RandomPath(rng, random);
    REQUIRE(plain_cache->KeepRows(past, path).ok());
    REQUIRE(static_cache->KeepRows(past, path).ok());
    const int n = plain_cache->length();
    REQUIRE(static_cache->length() == n);
    CHECK(MaxAbsDiff(static_cache->all_keys().narrow(2, 0, n), plain_cache->all_keys().narrow(2, 0, n)) < 1e-5);
    CHECK(MaxAbsDiff(static_cache->all_values().narrow(2, 0, n), plain_cache->all_values().narrow(2, 0, n)) < 1e-5);
    ++steps;
    trees += tree ? 1 : 0;
    row_counts.insert(rows);
  }
  CHECK(steps >= 10);
  CHECK(trees >= 2);
  CHECK(row_counts.size() >= 5);  // each its own static shape
  CHECK((*runner)->graphs_captured() == 0);  // no capture without CUDA graphs
}

TEST_CASE("Steps the runner does not serve fall back to plain forwards", "[models][llama][step_runner]") {
  const auto m = MakeTinyModel(testing::TinyConfig(), 405);
  auto plain_cache = MakeCache(*m.model, 40);
  auto static_cache = MakeCache(*m.model, 40);
  LlamaStepRunnerOptions options;
  options.cuda_graphs = false;
  options.max_rows = 4;
  options.span_granule = 16;
  auto runner = LlamaStepRunner::Create(m.model.get(), static_cache.get(), options);
  REQUIRE(runner.ok());
  std::vector<TokenId> prompt(35, 3);
  for (int i = 0; i < 35; ++i) prompt[i] = (i * 7) % m.config.vocab_size;
  Prefill(*m.model, plain_cache.get(), prompt);
  Prefill(*m.model, static_cache.get(), prompt);
  CHECK_FALSE((*runner)->Handles(5));  // above max_rows
  CHECK((*runner)->Handles(4));        // 35 + 4 <= 40
  LlamaStepInput step;
  step.tokens = {5, 6, 7, 8, 9};
  step.positions = {35, 36, 37, 38, 39};
  const LlamaOutput want = PlainStep(*m.model, plain_cache.get(), step);
  auto got = RunLlamaStep(*m.model, static_cache.get(), runner->get(), step, LogitsRows::kLast);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  REQUIRE(got->logits.size(0) == 1);
  CHECK(MaxAbsDiff(got->logits, want.logits.narrow(0, 4, 1)) < 1e-6);
  REQUIRE(static_cache->Advance(2).ok());
  CHECK((*runner)->Handles(3));        // 37 + 3 <= 40: a step runs at its own rows, unpadded
  CHECK_FALSE((*runner)->Handles(4));  // 37 + 4 > 40
}

TEST_CASE("The step runner reports bad steps with a Status", "[models][llama][step_runner]") {
  const auto m = MakeTinyModel(testing::TinyConfig(), 406);
  auto cache = MakeCache(*m.model, 40);
  LlamaStepRunnerOptions options;
  options.cuda_graphs = false;
  auto runner = LlamaStepRunner::Create(m.model.get(), cache.get(), options);
  REQUIRE(runner.ok());
  LlamaStepInput step;
  step.tokens = {1, 2};
  step.positions = {0};
  auto s = (*runner)->Forward(step);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("1 positions for 2 rows") != std::string::npos);
  step.positions = {0, 1};
  step.tree_mask = {1, 0, 1};
  s = (*runner)->Forward(step);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("tree mask of 3 entries") != std::string::npos);
  step.tree_mask.clear();
  step.positions = {0, 500};
  s = (*runner)->Forward(step);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("position 500 outside the rotary table") != std::string::npos);

  options.cuda_graphs = true;  // a CPU model cannot use CUDA graphs
  auto graphs = LlamaStepRunner::Create(m.model.get(), cache.get(), options);
  REQUIRE_FALSE(graphs.ok());
  CHECK(graphs.status().message().find("the model is on cpu") != std::string::npos);
  CHECK(absl::IsInvalidArgument(MakeLlamaStepRunner(LlamaStepMode::kStatic, m.model.get(), nullptr).status()));
  auto auto_mode = MakeLlamaStepRunner(LlamaStepMode::kAuto, m.model.get(), cache.get());
  REQUIRE(auto_mode.ok());
  CHECK(*auto_mode == nullptr);  // kAuto on CPU: plain forwards
}

TEST_CASE("Static steps are bitwise independent of stale cache rows", "[models][llama][step_runner]") {
  testing::CheckStaleRowsIgnored(*MakeTinyModel(testing::TinyConfig(), 407).model, /*cuda_graphs=*/false);
}

}  // namespace
}  // namespace xsd
