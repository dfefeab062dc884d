// Tiny random LLaMA models for the tests (weights from RandomLlamaWeights,
// kept so the float64 reference can read them).
#pragma once

#include <memory>

#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/weights_map.h"
#include "xsd_catch.h"

namespace xsd::testing {

// GQA (4 query heads over 2 KV heads), a non-default theta, untied head.
inline LlamaConfig TinyConfig() {
  LlamaConfig c = *LlamaPresetConfig("tiny");
  c.vocab_size = 96;
  c.rope.theta = 500.0;  // small theta: every frequency turns noticeably over a few positions
  return c;
}

struct TinyModel {
  LlamaConfig config;
  std::unique_ptr<MapWeightSource> weights;
  std::shared_ptr<const LlamaModel> model;
};

inline TinyModel MakeTinyModel(const LlamaConfig& config, uint64_t seed, int max_positions = 128) {
  TinyModel m;
  m.config = config;
  auto weights = RandomLlamaWeights(config, seed, WeightSourceOptions());
  REQUIRE(weights.ok());
  m.weights = std::move(weights).value();
  LlamaModelOptions options;
  options.max_positions = max_positions;
  auto model = LlamaModel::Load(config, m.weights.get(), options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  m.model = std::move(model).value();
  return m;
}

// The tiny model of MakeTinyModel(config, 71) on `device` in `dtype`,
// computing with `kernels`.
inline std::unique_ptr<LlamaModel> TinyModelOn(const c10::Device& device, at::ScalarType dtype,
                                               const LlamaConfig& config, const KernelOptions& kernels) {
  const auto m = MakeTinyModel(config, 71);
  WeightSourceOptions options;
  options.device = device;
  options.dtype = dtype;
  MapWeightSource weights(options, "<tiny model copy>");
  for (const auto& [name, tensor] : m.weights->tensors()) weights.Set(name, tensor);
  LlamaModelOptions model_options;
  model_options.kernel_options = kernels;
  auto model = LlamaModel::Load(m.config, &weights, model_options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::move(*model);
}

inline std::unique_ptr<KvCache> MakeCache(const LlamaModel& model, int max_len) {
  auto cache = KvCache::Create(model.CacheSpec(max_len));
  REQUIRE(cache.ok());
  return std::move(cache).value();
}

}  // namespace xsd::testing
