// Training on CUDA (xsd/training/parameters.h): the runtime's modules,
// built from trainable leaves on the GPU with the product's kernel options
// (row-invariant numerics, every fused kernel on), give the gradients the
// CPU gives: the fused kernels have no backward, so a call autograd must
// differentiate takes the ATen formula (fused_kernels.h NeedsAutograd);
// without that, a weight behind a kernel would get no gradient at all. The
// executable skips where no CUDA device exists (tests/support/cuda_main.cc).
#include <ATen/ATen.h>

#include <algorithm>

#include "models/llama_test_models.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_model.h"
#include "xsd/training/parameters.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// Every leaf's gradient of the tiny LLaMA's next-token loss, float32 on the CPU.
std::map<std::string, at::Tensor> Gradients(const LlamaConfig& config, const std::map<std::string, at::Tensor>& tensors,
                                            const c10::Device& device, c10::ScalarType dtype, int rows) {
  auto params = TrainableParameters::FromTensors(tensors, device);
  REQUIRE(params.ok());
  auto source = params->AsSource(dtype, "leaves");
  auto model = LlamaModel::Load(config, source.get());  // default KernelOptions: the product's
  REQUIRE(model.ok());
  auto cache = KvCache::Create((*model)->CacheSpec(rows + 1));
  REQUIRE(cache.ok());
  std::vector<int32_t> tokens;
  std::vector<int64_t> targets;
  for (int i = 0; i < rows; ++i) {
    tokens.push_back(3 + (i * 7) % 60);
    targets.push_back(3 + ((i + 1) * 7) % 60);
  }
  LlamaInput input;
  input.tokens = *TokensTensor(tokens, device);
  input.positions = *PositionRange(0, rows, device);
  auto out = (*model)->Forward(input, cache->get());
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  const at::Tensor loss =
      at::cross_entropy_loss(out->logits.to(at::kFloat), at::tensor(targets, at::kLong).to(device));
  loss.backward();
  std::map<std::string, at::Tensor> grads;
  for (const auto& [name, leaf] : params->tensors()) {
    INFO(name);
    REQUIRE(leaf.grad().defined());
    grads[name] = leaf.grad().to(at::kCPU, at::kFloat);
  }
  return grads;
}

TEST_CASE("Training on CUDA: every leaf gets the CPU's gradient (fp32 and bf16, 1 and 5 rows)",
          "[training][cuda]") {
  LlamaConfig config = testing::TinyConfig();
  auto random = RandomLlamaWeights(config, 9, WeightSourceOptions());
  REQUIRE(random.ok());
  for (const int rows : {1, 5}) {
    const auto reference = Gradients(config, (*random)->tensors(), c10::kCPU, at::kFloat, rows);
    for (const c10::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
      INFO("rows " << rows << ", dtype " << c10::toString(dtype));
      const auto cuda = Gradients(config, (*random)->tensors(), c10::Device(c10::kCUDA, 0), dtype, rows);
      // float32: the same sums in another order; bfloat16: 8-bit mantissas.
      const double tolerance = dtype == at::kFloat ? 1e-3 : 6e-2;
      double model_scale = 0;
      for (const auto& [name, g] : reference) model_scale = std::max(model_scale, g.abs().max().item<double>());
      // A gradient that is zero in exact arithmetic (one row: the softmax
      // over a single key is 1 whatever q and k are, so q_proj and k_proj get
      // none) is rounding noise on both devices (~1e-10 here, ~1e-7 on the
      // GPU): it must stay zero against the model's gradients, not match.
      const double zero = 1e-6 * model_scale;
      for (const auto& [name, g] : reference) {
        INFO(name);
        const double scale = g.abs().max().item<double>();
        if (scale == 0) continue;  // an embedding row no token used
        if (scale <= zero) {
          CHECK(cuda.at(name).abs().max().item<double>() <= zero);
          continue;
        }
        const double error = (cuda.at(name) - g).abs().max().item<double>();
        CHECK(error <= tolerance * scale);
      }
    }
  }
}

}  // namespace
}  // namespace xsd
