// Rotary position embedding parameters, as config.json states them (either
// the top-level rope_theta / rope_scaling of published hub checkpoints or the
// rope_parameters object transformers 5 saves). Torch-free: parsed by
// llama_config, turned into tables by rope.h.
#pragma once

#include <string>

namespace xsd {

struct RopeConfig {
  enum class Type {
    kDefault,  // inv_freq[i] = theta^(-2i/head_dim)
    kLinear,   // position interpolation: inv_freq / factor
    kDynamic,  // dynamic NTK: equals kDefault while positions stay below max_position_embeddings
    kLlama3,   // Llama 3.1 smooth interpolation between scaled and unscaled bands
  };
  Type type = Type::kDefault;
  double theta = 10000.0;
  double factor = 1.0;              // linear, dynamic, llama3
  double low_freq_factor = 1.0;     // llama3
  double high_freq_factor = 4.0;    // llama3
  int original_max_position_embeddings = 0;  // llama3 (required there)
};

// "default", "linear", "dynamic", "llama3".
const char* RopeTypeName(RopeConfig::Type type);

}  // namespace xsd
