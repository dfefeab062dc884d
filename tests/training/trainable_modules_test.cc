// The runtime's modules are what is trained (xsd/training/parameters.h):
// built from trainable leaves, their forwards carry exact gradients back to
// the leaves — checked against central differences in float64 for the LLaMA
// decoder (through its KV-cache writes), an adapter and the multimodal
// models' visual encoders.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "models/llama_test_models.h"
#include "support/scratch_dir.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_loading.h"
#include "xsd/vision/eventgpt_config.h"
#include "xsd/vision/eventgpt_model.h"
#include "xsd/vision/random_checkpoint.h"
#include "xsd/vision/video_llava_config.h"
#include "xsd/vision/video_llava_model.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_model.h"
#include "xsd/training/parameters.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// d loss / d leaf[index] by central differences, the loss recomputed by `f`
// in float64. The leaves are float32 (master weights): a step of 1e-3 keeps
// the rounding of the perturbed leaf (~1e-7 relative) to ~1e-4 of the
// difference, and the truncation error O(h^2) below that.
double NumericGradient(TrainableParameters& params, const std::string& name, int64_t index,
                       const std::function<double()>& f) {
  at::Tensor leaf = params.tensors().at(name);
  const double h = 1e-3;
  double plus = 0, minus = 0;
  {
    at::NoGradGuard no_grad;
    const double v = leaf.view({-1})[index].item<double>();
    leaf.view({-1})[index].fill_(v + h);
    plus = f();
    leaf.view({-1})[index].fill_(v - h);
    minus = f();
    leaf.view({-1})[index].fill_(v);
  }
  return (plus - minus) / (2 * h);
}

TEST_CASE("Trainable LLaMA: gradients through prefill and the KV cache equal central differences",
          "[training][gradients]") {
  LlamaConfig config = testing::TinyConfig();
  config.num_layers = 1;
  auto random = RandomLlamaWeights(config, 5, WeightSourceOptions());
  REQUIRE(random.ok());
  auto params = TrainableParameters::FromTensors((*random)->tensors(), c10::Device(c10::kCPU));
  REQUIRE(params.ok());
  const std::vector<int32_t> tokens = {3, 17, 42, 8, 61};
  const auto loss = [&]() -> at::Tensor {
    auto source = params->AsSource(at::kDouble, "leaves");
    auto model = LlamaModel::Load(config, source.get());
    REQUIRE(model.ok());
    auto cache = KvCache::Create((*model)->CacheSpec(8));
    REQUIRE(cache.ok());
    LlamaInput input;
    input.tokens = *TokensTensor(tokens, c10::Device(c10::kCPU));
    input.positions = *PositionRange(0, 5, c10::Device(c10::kCPU));
    auto out = (*model)->Forward(input, cache->get());
    REQUIRE(out.ok());
    // The next tokens' cross-entropy, as the world's models are trained.
    const at::Tensor targets = at::tensor({17, 42, 8, 61, 2}, at::kLong);
    return at::cross_entropy_loss(out->logits, targets);
  };
  params->ZeroGrad();
  loss().backward();
  for (const char* name : {"model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.q_proj.weight",
                           "model.layers.0.mlp.up_proj.weight", "model.embed_tokens.weight", "lm_head.weight",
                           "model.layers.0.input_layernorm.weight"}) {
    INFO(name);
    const at::Tensor grad = params->tensors().at(name).grad();
    REQUIRE(grad.defined());
    CHECK(grad.abs().sum().item<double>() > 0);
    const int64_t index = grad.abs().view({-1}).argmax().item<int64_t>();  // the most sensitive entry
    const double numeric = NumericGradient(*params, name, index, [&] { return loss().item<double>(); });
    const double analytic = grad.view({-1})[index].item<double>();
    CHECK(std::abs(numeric - analytic) <= 2e-3 * std::abs(analytic) + 1e-6);
  }
}

TEST_CASE("Trainable adapter: gradients equal central differences", "[training][gradients]") {
  AdapterDims dims;
  dims.hidden = 8;
  dims.heads = 2;
  dims.ffn = 16;
  auto params = TrainableParameters::FromSpecs(AdapterParameters(AdapterKind::kL4, dims), 3, c10::Device(c10::kCPU));
  REQUIRE(params.ok());
  at::manual_seed(2);
  const at::Tensor x = at::randn({4, 8}, at::kDouble), y = at::randn({4, 8}, at::kDouble);
  const auto loss = [&]() -> at::Tensor {
    auto source = params->AsSource(at::kDouble, "leaves");
    auto adapter = LoadAdapter(AdapterKind::kL4, dims, *source);
    REQUIRE(adapter.ok());
    AdapterInput in;
    in.drafter_hidden = &x;
    at::Tensor out;
    REQUIRE((*adapter)->Map(in, &out).ok());
    return (out - y).pow(2).sum();
  };
  params->ZeroGrad();
  loss().backward();
  for (const char* name : {"layers.0.attn.in_proj_weight", "layers.0.ffn.0.weight", "output_proj.1.weight", "alpha"}) {
    INFO(name);
    const at::Tensor grad = params->tensors().at(name).grad();
    REQUIRE(grad.defined());
    const int64_t index = grad.abs().view({-1}).argmax().item<int64_t>();
    const double numeric = NumericGradient(*params, name, index, [&] { return loss().item<double>(); });
    CHECK(std::abs(numeric - grad.view({-1})[index].item<double>()) <= 2e-3 * std::abs(numeric) + 1e-6);
  }
}


// The vision path of both multimodal models (CLIP tower, projector and
// EventGPT's feature adaptor) built from trainable leaves, as the world's
// models are trained (MultimodalTrainingTask).
TEST_CASE("Trainable visual encoders: gradients equal central differences", "[training][gradients]") {
  for (const std::string model : {"eventgpt", "video_llava"}) {
    INFO(model);
    testing::ScratchDir dir("training");
    RandomCheckpointOptions o;
    o.preset = model + "_world";
    o.out_dir = dir.path();
    o.tokenizer_dir = std::string(XSD_TEST_DATA_DIR) + "/tokenizer/llama";
    o.seed = 3;
    o.dtype = at::kFloat;
    REQUIRE(WriteRandomCheckpoint(o).ok());
    auto reader = CheckpointReader::Open(dir.path());
    REQUIRE(reader.ok());
    std::map<std::string, at::Tensor> tensors;
    for (const std::string& name : (*reader)->Names()) tensors[name] = (*reader)->Get(name)->clone();
    auto params = TrainableParameters::FromTensors(tensors, c10::Device(c10::kCPU));
    REQUIRE(params.ok());
    at::manual_seed(11);
    const int64_t frames = model == "video_llava" ? 2 : 1;
    const at::Tensor pixels = at::randn({frames, 3, 48, 48}, at::kDouble);
    at::Tensor weights;  // fixed random weights of the visual tokens
    const auto loss = [&]() -> at::Tensor {
      auto source = params->AsSource(at::kDouble, "leaves", LlamaLayoutAliases());
      at::Tensor visual;
      if (model == "video_llava") {
        auto config = LoadVideoLlavaConfig(dir.path());
        REQUIRE(config.ok());
        auto m = VideoLlavaModel::FromWeights(*config, source.get(), MultimodalModelOptions());
        REQUIRE(m.ok());
        visual = *(*m)->visual().Encode(pixels);
      } else {
        auto config = LoadEventGptConfig(dir.path());
        REQUIRE(config.ok());
        auto m = EventGptModel::FromWeights(*config, source.get(), source.get(), false, MultimodalModelOptions());
        REQUIRE(m.ok());
        visual = *(*m)->visual().Encode(pixels);
      }
      if (!weights.defined()) weights = at::randn(visual.sizes(), at::kDouble);
      return (visual * weights).sum();
    };
    params->ZeroGrad();
    loss().backward();
    int checked = 0;
    for (const auto& [name, leaf] : params->tensors()) {
      const bool vision = name.find("tower") != std::string::npos || name.find("projector") != std::string::npos ||
                          name.find("feature_adaptor") != std::string::npos;
      const bool interesting = name.find("patch_embedding") != std::string::npos ||
                               name.find("layers.0.self_attn.q_proj.weight") != std::string::npos ||
                               name.find("layers.0.mlp.fc1.weight") != std::string::npos ||
                               name.find("projector") != std::string::npos ||
                               name.find("feature_adaptor.weight") != std::string::npos;
      if (!vision || !interesting || name.find("image_tower") != std::string::npos) continue;
      INFO(name);
      const at::Tensor grad = leaf.grad();
      REQUIRE(grad.defined());
      REQUIRE(grad.abs().sum().item<double>() > 0);
      const int64_t index = grad.abs().view({-1}).argmax().item<int64_t>();
      const double numeric = NumericGradient(*params, name, index, [&] { return loss().item<double>(); });
      const double analytic = grad.view({-1})[index].item<double>();
      CHECK(std::abs(numeric - analytic) <= 2e-3 * std::abs(analytic) + 1e-6);
      ++checked;
    }
    CHECK(checked >= 4);
  }
}

}  // namespace
}  // namespace xsd
