// Preset shapes and random weights (llama_loading.h).
#include <ATen/ATen.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "xsd/base/rng.h"
#include "base/torch_status.h"
#include "xsd/models/llama_loading.h"

namespace xsd {
namespace {

// Beyond this many elements a tensor is drawn on the device (fast, not portable).
constexpr int64_t kPortableLimit = int64_t{1} << 22;

// Uniform in [center - half, center + half): portable draws on the CPU for
// small tensors, an integer hash of the element index on the device for big
// ones (a 7B model's weights in seconds; values only matter for timing there).
at::Tensor Uniform(const std::vector<int64_t>& shape, double center, double half, Rng& rng,
                   const WeightSourceOptions& options) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  at::Tensor unit;
  if (numel <= kPortableLimit) {
    std::vector<float> values(static_cast<size_t>(numel));
    for (float& v : values) v = static_cast<float>(rng.Uniform());
    unit = at::tensor(values, at::TensorOptions().dtype(at::kFloat)).to(options.device);
  } else {
    const int64_t salt = static_cast<int64_t>(rng.NextU64() & 0x7FFFFFFF);
    at::Tensor h = at::arange(numel, at::TensorOptions().dtype(at::kLong).device(options.device));
    h = (h * static_cast<int64_t>(0x9E3779B1) + salt).bitwise_and(static_cast<int64_t>(0xFFFFFFFF));
    h = h.bitwise_xor(h.floor_divide(1 << 15));
    h = (h * static_cast<int64_t>(0x7FEB352D)).bitwise_and(static_cast<int64_t>(0xFFFFFFFF));
    h = h.bitwise_xor(h.floor_divide(1 << 13));
    unit = h.to(at::kFloat) / 4294967296.0;
  }
  return ((unit * 2 - 1) * half + center).reshape(shape).to(options.dtype);
}

}  // namespace

absl::StatusOr<LlamaConfig> LlamaPresetConfig(const std::string& preset) {
  LlamaConfig c;
  if (preset == "tiny") {
    c.vocab_size = 256;
    c.hidden_size = 64;
    c.intermediate_size = 160;
    c.num_layers = 2;
    c.num_heads = 4;
    c.num_kv_heads = 2;
    c.head_dim = 16;
    c.max_position_embeddings = 2048;
    c.rms_norm_eps = 1e-5;
    c.rope.theta = 10000.0;
    return c;
  }
  if (preset == "7b") {  // Vicuna-7B v1.5 shapes
    c.vocab_size = 32000;
    c.hidden_size = 4096;
    c.intermediate_size = 11008;
    c.num_layers = 32;
    c.num_heads = 32;
    c.num_kv_heads = 32;
    c.head_dim = 128;
    c.max_position_embeddings = 4096;
    c.rms_norm_eps = 1e-5;
    c.rope.theta = 10000.0;
    c.pad_token = 0;
    return c;
  }
  return absl::NotFoundError(absl::StrCat("checkpoint.random_preset: unknown preset '", preset,
                                          "'; known presets: 7b, tiny"));
}

absl::StatusOr<std::unique_ptr<MapWeightSource>> RandomLlamaWeights(const LlamaConfig& config, uint64_t seed,
                                                                    const WeightSourceOptions& options,
                                                                    const LlamaWeightNames& names) {
  return TorchCall("random llama weights", [&]() -> absl::StatusOr<std::unique_ptr<MapWeightSource>> {
    auto source = std::make_unique<MapWeightSource>(options, absl::StrCat("<random llama, seed ", seed, ">"));
    Rng rng(seed);
    const int64_t h = config.hidden_size, i = config.intermediate_size, v = config.vocab_size;
    const int64_t qw = config.q_width(), kvw = config.kv_width();
    auto linear = [&](const std::string& name, int64_t out, int64_t in, bool bias) {
      source->Set(name + ".weight", Uniform({out, in}, 0.0, std::sqrt(3.0 / static_cast<double>(in)), rng, options));
      if (bias) source->Set(name + ".bias", Uniform({out}, 0.0, 0.1, rng, options));
    };
    auto norm = [&](const std::string& name) { source->Set(name, Uniform({h}, 1.0, 0.1, rng, options)); };
    const std::string& d = names.decoder_prefix;
    source->Set(d + "embed_tokens.weight", Uniform({v, h}, 0.0, 1.0, rng, options));
    for (int l = 0; l < config.num_layers; ++l) {
      const std::string p = absl::StrCat(d, "layers.", l, ".");
      norm(p + "input_layernorm.weight");
      linear(p + "self_attn.q_proj", qw, h, config.attention_bias);
      linear(p + "self_attn.k_proj", kvw, h, config.attention_bias);
      linear(p + "self_attn.v_proj", kvw, h, config.attention_bias);
      linear(p + "self_attn.o_proj", h, qw, config.attention_bias);
      norm(p + "post_attention_layernorm.weight");
      linear(p + "mlp.gate_proj", i, h, config.mlp_bias);
      linear(p + "mlp.up_proj", i, h, config.mlp_bias);
      linear(p + "mlp.down_proj", h, i, config.mlp_bias);
    }
    norm(d + "norm.weight");
    if (!config.tie_word_embeddings) {
      source->Set(names.lm_head, Uniform({v, h}, 0.0, std::sqrt(3.0 / static_cast<double>(h)), rng, options));
    }
    return source;
  });
}

std::vector<WeightAlias> LlamaLayoutAliases() {
  return {
      {"model.", "language_model.model."},      // Video-LLaVA, published hub layout
      {"model.", "model.language_model."},      // transformers 5 multimodal, in-memory names
      {"lm_head.", "language_model.lm_head."},  // Video-LLaVA's head, hub layout
  };
}

}  // namespace xsd
