// The same numerics on a CUDA device (the GPU machine's pip torch 2.x:
// at::scaled_dot_product_attention kernels). Passes with a WARN where no CUDA
// device exists (CI).
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "llama_reference.h"
#include "llama_test_models.h"
#include "xsd/core/acceptance.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

bool HaveCuda() {
  if (at::hasCUDA()) return true;
  WARN("no CUDA device: the CUDA cases of the LLaMA decoder are NOT checked here");
  return false;
}

std::shared_ptr<const LlamaModel> OnDevice(const MapWeightSource& cpu_weights, const LlamaConfig& config,
                                           c10::ScalarType dtype) {
  WeightSourceOptions options;
  options.device = c10::Device(c10::DeviceType::CUDA, 0);
  options.dtype = dtype;
  MapWeightSource weights(options, "<cuda copy>");
  for (const auto& [name, tensor] : cpu_weights.tensors()) weights.Set(name, tensor);
  LlamaModelOptions model_options;
  model_options.max_positions = 128;
  auto model = LlamaModel::Load(config, &weights, model_options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::shared_ptr<const LlamaModel>(std::move(model).value());
}

TEST_CASE("CUDA: prefill and tree verify match the float64 reference (fp32, bf16)", "[models][llama][cuda]") {
  if (!HaveCuda()) return;
  // libtorch keeps TF32 off for float32 matmuls unless asked (since 1.12), so fp32 is fp32 here.
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 61);
  const std::vector<int32_t> prompt = {4, 8, 15, 16, 23, 42, 7, 1};
  const int n = static_cast<int>(prompt.size());
  std::vector<int64_t> positions(n);
  for (int i = 0; i < n; ++i) positions[i] = i;
  const auto ref = testing::ReferenceForward(m.config, *m.weights, prompt, positions, testing::CausalVisibility(n));
  // fp32 as on the CPU; bf16 keeps 8 bits of mantissa: logits of size ~5
  // carry ~0.02 of rounding per operation, a few tenths after two layers.
  for (const auto& [dtype, tol] : {std::make_pair(at::kFloat, 1e-4), std::make_pair(at::kBFloat16, 0.5)}) {
    INFO("dtype " << c10::toString(dtype));
    const auto model = OnDevice(*m.weights, m.config, dtype);
    auto cache = KvCache::Create(model->CacheSpec(32));
    REQUIRE(cache.ok());
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

TEST_CASE("CUDA fp32: greedy SD equals greedy AR", "[models][llama][cuda][lossless]") {
  if (!HaveCuda()) return;
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 62);
  const auto model = OnDevice(*m.weights, m.config, at::kFloat);
  LlamaSequenceOptions options;
  options.max_seq_len = 96;
  auto target = LlamaVerifier::Create(model, options);
  auto drafter = LlamaDrafter::Create(model, options);
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  auto policy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.max_new_tokens = 40;
  so.gamma = 4;
  Request request;
  request.prompt_tokens = {3, 14, 15, 92, 65};
  auto ar = MakeAutoregressiveScheduler(target->get(), policy.get(), so);
  auto sd = MakeSpeculativeScheduler(target->get(), drafter->get(), policy.get(), so);
  REQUIRE(ar.ok());
  REQUIRE(sd.ok());
  auto a = (*ar)->Generate(request);
  auto s = (*sd)->Generate(request);
  REQUIRE(a.ok());
  REQUIRE(s.ok());
  CHECK(s->tokens == a->tokens);
  CHECK(s->stats.accepted > 0);
}

}  // namespace
}  // namespace xsd
