// Tiny real models for the scheduler tests with real drafters: a one-layer
// LLaMA target whose weights make drafters of every kind agree with it
// often, and those drafters' parts.
//
// Why each drafter agrees (random weights otherwise):
//  - the target's embedding rows have an RMS of exactly 1 and its input and
//    final RMSNorm weights are 1, so RMSNorm(embedding) is the embedding
//    itself and the final norm only rescales (argmax unchanged);
//  - its LM head adds `copy_bias` times the embedding table to random rows,
//    so greedy output often repeats the last token (runs), which heads that
//    predict "the state stays" (B1 / L5 / L5F near the identity) get right;
//  - an EAGLE head with fc = [I, 0] and the target's own layer computes the
//    target's next pre-norm state from the next token's embedding: it
//    differs from the target only in not attending to the first prompt row;
//  - a LLaMA drafter over a perturbed copy of the weights agrees until the
//    perturbation flips an argmax;
//  - adapters with a small alpha (or none: identity) stay near the identity.
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "xsd/adapters/adapter_spec.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/drafters/eagle_head.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/weights_map.h"
#include "xsd_catch.h"

namespace xsd::testing {

// One decoder layer, GQA (4 query heads over 2 KV heads), small vocabulary.
inline LlamaConfig OneLayerConfig() {
  LlamaConfig c = *LlamaPresetConfig("tiny");
  c.vocab_size = 48;
  c.num_layers = 1;
  c.intermediate_size = 96;
  c.rope.theta = 500.0;
  return c;
}

inline at::Tensor Noise(at::IntArrayRef shape, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randn(shape, gen, at::TensorOptions().dtype(at::kFloat));
}

// Random LLaMA weights (RandomLlamaWeights) made agreeable as described above.
inline std::unique_ptr<MapWeightSource> AgreeableTargetWeights(const LlamaConfig& config, uint64_t seed,
                                                               double copy_bias) {
  auto weights = RandomLlamaWeights(config, seed, WeightSourceOptions());
  REQUIRE(weights.ok());
  MapWeightSource& w = **weights;
  const at::Tensor embed = w.tensors().at("model.embed_tokens.weight");
  const at::Tensor unit = embed / embed.pow(2).mean(-1, true).sqrt();
  w.Set("model.embed_tokens.weight", unit);
  for (int l = 0; l < config.num_layers; ++l) {
    w.Set("model.layers." + std::to_string(l) + ".input_layernorm.weight", at::ones({config.hidden_size}));
  }
  w.Set("model.norm.weight", at::ones({config.hidden_size}));
  w.Set("lm_head.weight", w.tensors().at("lm_head.weight") + copy_bias * unit);
  return std::move(weights).value();
}

// The tensors of `weights`, taken in `dtype` (converted as they are loaded).
inline std::unique_ptr<MapWeightSource> InDtype(const MapWeightSource& weights, at::ScalarType dtype) {
  WeightSourceOptions options = weights.options();
  options.dtype = dtype;
  auto out = std::make_unique<MapWeightSource>(options, "<in " + std::string(c10::toString(dtype)) + ">");
  for (const auto& [name, t] : weights.tensors()) out->Set(name, t);
  return out;
}

// Every tensor of `weights` times (1 + relative * N(0, 1)), elementwise.
inline std::unique_ptr<MapWeightSource> Perturbed(const MapWeightSource& weights, double relative, uint64_t seed) {
  auto out = std::make_unique<MapWeightSource>(weights.options(), "<perturbed>");
  uint64_t s = seed;
  for (const auto& [name, t] : weights.tensors()) out->Set(name, t * (1 + relative * Noise(t.sizes(), ++s)));
  return out;
}

inline std::shared_ptr<const LlamaModel> LoadTiny(const LlamaConfig& config, MapWeightSource* weights,
                                                  int max_positions = 512) {
  LlamaModelOptions options;
  options.max_positions = max_positions;
  auto model = LlamaModel::Load(config, weights, options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::shared_ptr<const LlamaModel>(std::move(model).value());
}

// An EAGLE-1 head whose layer is the target's layer 0 and whose fc keeps the
// token embedding and drops the feature (see the file comment), in the
// dtype the target's weights are taken in.
inline std::unique_ptr<EagleHead> EagleHeadFromTargetLayer(const LlamaConfig& target, const MapWeightSource& weights,
                                                           int max_positions) {
  LlamaConfig config = target;
  config.num_layers = 1;
  MapWeightSource head(weights.options(), "<eagle head from the target's layer 0>");
  const std::string from = "model.layers.0.";
  for (const auto& [name, t] : weights.tensors()) {
    if (name.rfind(from, 0) == 0) head.Set("layers.0." + name.substr(from.size()), t);
  }
  head.Erase("layers.0.input_layernorm.weight");  // EAGLE's layer has no input norm
  const int64_t d = config.hidden_size;
  head.Set("fc.weight", at::cat({at::eye(d), at::zeros({d, d})}, 1));
  head.Set("fc.bias", at::zeros({d}));
  auto loaded = EagleHead::Load(config, &head, max_positions);
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  return std::move(loaded).value();
}

// Adapter dimensions for a model `hidden` wide.
inline AdapterDims SmallAdapterDims(int hidden) {
  AdapterDims d;
  d.hidden = hidden;
  d.bottleneck = 16;
  d.l2_blocks = 2;
  d.wide_bottleneck = 32;
  d.l3_blocks = 2;
  d.heads = 4;
  d.ffn = 32;
  d.max_positions = 256;
  return d;
}

// Random parameters (normal 0.1, LayerNorms 1 / 0, output projections the
// identity) with every alpha set to `alpha`: the adapter maps h to
// h + alpha * (something), then (L1-L3) a LayerNorm.
inline std::unique_ptr<Adapter> NearIdentityAdapter(AdapterKind kind, const AdapterDims& dims, double alpha,
                                                    uint64_t seed) {
  MapWeightSource params(WeightSourceOptions(), std::string("<") + AdapterKindName(kind) + ">");
  uint64_t s = seed;
  for (const ParamSpec& p : AdapterParameters(kind, dims)) {
    at::Tensor t;
    switch (p.init) {
      case ParamSpec::Init::kNormal: t = Noise(p.shape, ++s) * 0.1; break;
      case ParamSpec::Init::kOnes: t = at::ones(p.shape); break;
      case ParamSpec::Init::kZeros: t = at::zeros(p.shape); break;
      case ParamSpec::Init::kAlpha: t = at::full(p.shape, alpha); break;
      case ParamSpec::Init::kIdentity: t = at::eye(p.shape[0], p.shape[1]); break;
    }
    params.Set(p.name, t);
  }
  auto adapter = LoadAdapter(kind, dims, params);
  INFO(adapter.status().ToString());
  REQUIRE(adapter.ok());
  return std::move(adapter).value();
}

}  // namespace xsd::testing
