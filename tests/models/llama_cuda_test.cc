// The same numerics on a CUDA device (the GPU machine's pip torch 2.x:
// at::scaled_dot_product_attention kernels). Every case needs the device: the
// executable skips them all where none exists (tests/support/cuda_main.cc).
#include <string>

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "llama_reference.h"
#include "llama_test_models.h"
#include "random_steps.h"
#include "step_checks.h"
#include "xsd/core/acceptance.h"
#include "xsd/base/rng.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_step_runner.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/models/kernel_options.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// The fast (non-exact) numerics these cases were written for; the product's
// default is row-invariant (xsd/models/kernel_options.h).
KernelOptions FastOptions() {
  KernelOptions o;
  o.numerics = Numerics::kFast;
  return o;
}

std::shared_ptr<const LlamaModel> OnDevice(const MapWeightSource& cpu_weights, const LlamaConfig& config,
                                           c10::ScalarType dtype, const KernelOptions& kernels = FastOptions()) {
  WeightSourceOptions options;
  options.device = c10::Device(c10::DeviceType::CUDA, 0);
  options.dtype = dtype;
  MapWeightSource weights(options, "<cuda copy>");
  for (const auto& [name, tensor] : cpu_weights.tensors()) weights.Set(name, tensor);
  LlamaModelOptions model_options;
  model_options.max_positions = 128;
  model_options.kernel_options = kernels;
  auto model = LlamaModel::Load(config, &weights, model_options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::shared_ptr<const LlamaModel>(std::move(model).value());
}

TEST_CASE("CUDA: prefill and tree verify match the float64 reference (fp32, bf16)", "[models][llama][cuda]") {
  // libtorch keeps TF32 off for float32 matmuls unless asked (since 1.12), so fp32 is fp32 here.
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 61);
  const std::vector<int32_t> prompt = {4, 8, 15, 16, 23, 42, 7, 1};
  const int n = static_cast<int>(prompt.size());
  std::vector<int64_t> positions(n);
  for (int i = 0; i < n; ++i) positions[i] = i;
  const auto ref = testing::ReferenceForward(m.config, *m.weights, prompt, positions, testing::CausalVisibility(n));
  // fp32 as on the CPU; bf16 keeps 8 bits of mantissa: logits of size ~5
  // carry ~0.02 of rounding per operation, a few tenths after two layers.
  // The prefill's attention over 64 rows (the default bucketing: the padded
  // rows' keys and values are cache rows past the prompt, here filled with
  // 100 so that a leak would swamp the softmax) and over the 8 rows
  // themselves (KernelOptions::prefill_bucket off).
  for (const bool bucket : {true, false}) {
    KernelOptions kernels = FastOptions();
    kernels.prefill_bucket = bucket;
    for (const auto& [dtype, tol] : {std::make_pair(at::kFloat, 1e-4), std::make_pair(at::kBFloat16, 0.5)}) {
      INFO("prefill_bucket " << bucket << ", dtype " << c10::toString(dtype));
      const auto model = OnDevice(*m.weights, m.config, dtype, kernels);
      auto cache = KvCache::Create(model->CacheSpec(128));
      REQUIRE(cache.ok());
      (*cache)->all_keys().fill_(100);
      (*cache)->all_values().fill_(100);
      LlamaInput input;
      input.tokens = *TokensTensor(prompt, model->device());
      input.positions = *PositionRange(0, n, model->device());
      auto out = model->Forward(input, cache->get());
      INFO(out.status().ToString());
      REQUIRE(out.ok());
      CHECK(out->logits.device().is_cuda());
      CHECK(testing::MaxAbsDiff(out->logits.cpu(), ref.logits) < tol);
    }
  }
}

// Greedy generation of one request (40 new tokens) by `target` alone
// (draft == nullptr: the autoregressive scheduler, eager steps) or
// speculatively with `draft` proposing 4 tokens a round, steps in `mode`.
// Also returns the target's graph replays.
std::pair<GenerationResult, int64_t> GreedyGenerate(const std::shared_ptr<const LlamaModel>& target,
                                                    const std::shared_ptr<const LlamaModel>& draft,
                                                    LlamaStepMode mode) {
  LlamaSequenceOptions options;
  options.max_seq_len = 96;
  options.step_mode = mode;
  auto verifier = LlamaVerifier::Create(target, options);
  INFO(verifier.status().ToString());
  REQUIRE(verifier.ok());
  auto policy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.max_new_tokens = 40;
  so.gamma = 4;
  Request request;
  request.prompt_tokens = {3, 14, 15, 92, 65};
  absl::StatusOr<std::unique_ptr<Scheduler>> scheduler;
  absl::StatusOr<std::unique_ptr<LlamaDrafter>> drafter;
  if (draft == nullptr) {
    scheduler = MakeAutoregressiveScheduler(verifier->get(), policy.get(), so);
  } else {
    drafter = LlamaDrafter::Create(draft, options);
    REQUIRE(drafter.ok());
    scheduler = MakeSpeculativeScheduler(verifier->get(), drafter->get(), policy.get(), so);
  }
  REQUIRE(scheduler.ok());
  auto result = (*scheduler)->Generate(request);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return {*std::move(result), (*verifier)->step_counts().replays};
}

// Speculative decoding with plain forwards and with CUDA-graph steps against
// plain autoregressive decoding. fp32: bf16 outputs may part at near-ties
// between batched and single-row kernels (the next case removes them with
// row-invariant numerics); the 7B bench reports bf16 match rates and margins.
TEST_CASE("CUDA fp32: greedy SD (plain and graphed steps) equals greedy AR", "[models][llama][cuda][lossless][graphs]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 62);
  const auto model = OnDevice(*m.weights, m.config, at::kFloat);
  const auto [ar, ar_replays] = GreedyGenerate(model, nullptr, LlamaStepMode::kEager);
  for (const LlamaStepMode mode : {LlamaStepMode::kEager, LlamaStepMode::kGraphs}) {
    INFO("step mode " << LlamaStepModeName(mode));
    const auto [sd, replays] = GreedyGenerate(model, model, mode);
    CHECK(sd.tokens == ar.tokens);
    CHECK(sd.stats.accepted > 0);
    if (mode == LlamaStepMode::kGraphs) CHECK(replays > 0);
  }
}

// The golden property in bf16: row-invariant numerics give every verify row
// the bits of the decode step, so greedy SD equals greedy AR token for token
// even at near-ties, with a drafter that is another model (rejections) and
// with both kernel families of that mode for the Linear layers: the skinny
// GEMM, and GEMV slices for the shapes it does not take (the tiny model's
// down projection, k = 160).
TEST_CASE("CUDA bf16, row-invariant numerics: greedy SD (plain and graphed steps) equals greedy AR",
          "[models][llama][cuda][lossless][graphs]") {
  KernelOptions exact = FastOptions();
  exact.numerics = Numerics::kRowInvariant;
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 62);
  const auto other = testing::MakeTinyModel(testing::TinyConfig(), 64);
  const auto model = OnDevice(*m.weights, m.config, at::kBFloat16, exact);
  const auto draft_model = OnDevice(*other.weights, other.config, at::kBFloat16, exact);
  const auto [ar, ar_replays] = GreedyGenerate(model, nullptr, LlamaStepMode::kEager);
  for (const LlamaStepMode mode : {LlamaStepMode::kEager, LlamaStepMode::kGraphs}) {
    for (const bool self_draft : {true, false}) {  // all drafts right, or most wrong
      INFO("step mode " << LlamaStepModeName(mode) << ", drafter " << (self_draft ? "the target" : "another model"));
      const auto [sd, replays] = GreedyGenerate(model, self_draft ? model : draft_model, mode);
      CHECK(sd.tokens == ar.tokens);
      if (self_draft) CHECK(sd.stats.accepted == sd.stats.drafted);
      if (!self_draft) CHECK(sd.stats.accepted < sd.stats.drafted);
    }
  }
}

TEST_CASE("CUDA graphs: replayed steps equal plain forwards (fp32, chains and trees)", "[models][llama][cuda][graphs]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 63);
  const auto model = OnDevice(*m.weights, m.config, at::kFloat);
  auto plain = KvCache::Create(model->CacheSpec(120));
  auto graphed = KvCache::Create(model->CacheSpec(120));
  REQUIRE(plain.ok());
  REQUIRE(graphed.ok());
  LlamaStepRunnerOptions options;
  options.max_rows = 8;
  options.span_granule = 32;
  auto runner = LlamaStepRunner::Create(model.get(), graphed->get(), options);
  INFO(runner.status().ToString());
  REQUIRE(runner.ok());
  Rng rng(8);
  std::vector<TokenId> prompt(9);
  for (TokenId& t : prompt) t = static_cast<TokenId>(rng.Below(m.config.vocab_size));
  for (KvCache* cache : {plain->get(), graphed->get()}) {
    LlamaStepInput step;
    step.tokens = prompt;
    for (int i = 0; i < 9; ++i) step.positions.push_back(i);
    REQUIRE(RunLlamaStep(*model, cache, nullptr, step, LogitsRows::kAll).ok());
    REQUIRE(cache->Advance(9).ok());
  }
  // Few distinct row counts, so most steps replay a captured graph.
  const int sizes[] = {1, 4, 5, 8};
  for (int s = 0; s < 40 && (*plain)->length() + 8 <= 110; ++s) {
    const int past = (*plain)->length();
    const int rows = sizes[rng.Below(4)];
    const testing::RandomStep random = testing::MakeRandomStep(rng, past, rows, m.config.vocab_size);
    const LlamaStepInput& step = random.input;
    const bool tree = random.tree;
    INFO("step " << s << ": past " << past << ", rows " << rows << (tree ? " (tree)" : ""));
    auto want = RunLlamaStep(*model, plain->get(), nullptr, step, LogitsRows::kAll);
    auto got = (*runner)->Forward(step);
    INFO(got.status().ToString());
    REQUIRE(want.ok());
    REQUIRE(got.ok());
    CHECK(testing::MaxAbsDiff(got->logits.cpu(), want->logits.cpu()) < 1e-4);
    CHECK(testing::MaxAbsDiff(got->hidden.cpu(), want->hidden.cpu()) < 1e-4);
    const std::vector<int32_t> path = testing::RandomPath(rng, random);
    REQUIRE((*plain)->KeepRows(past, path).ok());
    REQUIRE((*graphed)->KeepRows(past, path).ok());
  }
  const int n = (*plain)->length();
  CHECK(testing::MaxAbsDiff((*graphed)->all_keys().narrow(2, 0, n).cpu(), (*plain)->all_keys().narrow(2, 0, n).cpu()) < 1e-4);
  CHECK((*runner)->graphs_captured() >= 3);
  CHECK((*runner)->replays() >= 10);
}

// The same on CUDA with graphs, fp32 and bf16: replays over caches with
// different histories must agree bit for bit (a lead for bf16 greedy
// reproducibility, docs/PERFORMANCE.md).
TEST_CASE("CUDA graphs: steps are bitwise independent of stale cache rows", "[models][llama][step_runner][cuda]") {
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    INFO("dtype " << c10::toString(dtype));
    WeightSourceOptions source;
    source.device = c10::Device(c10::DeviceType::CUDA, 0);
    source.dtype = dtype;
    auto weights = RandomLlamaWeights(testing::TinyConfig(), 408, source);
    REQUIRE(weights.ok());
    LlamaModelOptions model_options;
    model_options.max_positions = 128;
    auto model = LlamaModel::Load(testing::TinyConfig(), weights->get(), model_options);
    INFO(model.status().ToString());
    REQUIRE(model.ok());
    testing::CheckStaleRowsIgnored(**model, /*cuda_graphs=*/true);
  }
}

}  // namespace
}  // namespace xsd
