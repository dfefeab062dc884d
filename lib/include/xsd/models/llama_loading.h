// Loading a LlamaModel from a Hugging Face checkpoint directory (config.json
// + safetensors), or building one with random weights from a preset (tests,
// and 7B-shaped timing runs where no real weights exist).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/weights_loading.h"
#include "xsd/models/weights_map.h"
#include "xsd/models/weights_store.h"

namespace xsd {

// The layouts a LlamaForCausalLM-named request ("model.layers.3...",
// "lm_head.weight") may be stored under: itself, Video-LLaVA's hub layout
// ("language_model.model.", "language_model.lm_head.") and the in-memory
// transformers-5 layout ("model.language_model.").
std::vector<WeightAlias> LlamaLayoutAliases();

struct LlamaLoadOptions {
  std::string checkpoint;  // directory with config.json and *.safetensors
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  LlamaModelOptions model;
  std::vector<WeightAlias> aliases = LlamaLayoutAliases();
  UnexpectedWeightsPolicy unexpected;
};

absl::StatusOr<std::unique_ptr<LlamaModel>> LoadLlamaCheckpoint(const LlamaLoadOptions& options);

// Named shapes: "tiny" (2 layers, hidden 64, 4 heads / 2 KV heads, vocab 256)
// and "7b" (Vicuna-7B: 32 layers, hidden 4096, vocab 32000). NotFound lists
// the known names.
absl::StatusOr<LlamaConfig> LlamaPresetConfig(const std::string& preset);

// Random weights for `config` under `names`, reproducible on every platform
// (drawn with xsd::Rng in float32 on the CPU, then converted): embeddings
// ~U(-1, 1), projections ~U(-a, a) with a = sqrt(3 / fan_in) (unit-variance
// activations, so logits are well separated), norm weights ~1 +- 0.1.
// Projections of large models are drawn on `options.device` with torch's
// generator instead (seeded, not portable), which keeps 7B setup fast.
absl::StatusOr<std::unique_ptr<MapWeightSource>> RandomLlamaWeights(const LlamaConfig& config, uint64_t seed,
                                                                    const WeightSourceOptions& options,
                                                                    const LlamaWeightNames& names = {});

}  // namespace xsd
