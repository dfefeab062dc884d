// LlamaConfig: the shape of a LLaMA / Vicuna decoder, read from a Hugging
// Face config.json.
//
// Both layouts users bring are accepted (FACTS.md §4b): the published hub
// layout (top-level rope_theta and rope_scaling, head size derived from
// hidden_size / num_attention_heads) and the transformers-5 layout
// (rope_parameters: {rope_theta, rope_type, ...}, explicit head_dim). A
// multimodal config.json (Video-LLaVA) holds the LLM under text_config; pass
// that sub-object, or use LoadLlamaConfig, which picks it up by itself.
//
// Absent fields take the defaults of transformers' LlamaConfig (published
// multimodal configs list only what differs from them). Wrong types and
// impossible values are errors naming the file and the field:
//   "ckpt/config.json: field 'text_config.num_attention_heads': expected an integer, got string"
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/models/rope_config.h"

namespace xsd {

class JsonObject;

struct LlamaConfig {
  int vocab_size = 32000;
  int hidden_size = 4096;
  int intermediate_size = 11008;
  int num_layers = 32;           // num_hidden_layers
  int num_heads = 32;            // num_attention_heads
  int num_kv_heads = 32;         // num_key_value_heads (default: num_heads)
  int head_dim = 128;            // explicit head_dim, else hidden_size / num_heads
  double rms_norm_eps = 1e-6;
  int max_position_embeddings = 2048;
  bool tie_word_embeddings = false;
  bool attention_bias = false;   // q/k/v/o projections carry biases
  bool mlp_bias = false;         // gate/up/down projections carry biases
  TokenId bos_token = 1;
  TokenId eos_token = 2;
  TokenId pad_token = kNoToken;
  RopeConfig rope;

  int q_width() const { return num_heads * head_dim; }
  int kv_width() const { return num_kv_heads * head_dim; }
  // Query heads sharing one key/value head.
  int group_size() const { return num_heads / num_kv_heads; }

  // Positive sizes, heads divisible by kv heads, ... Errors name `source`
  // (the file) and the field, under `prefix` ("text_config.").
  absl::Status Validate(const std::string& source, const std::string& prefix = "") const;
};

// Parses one LLaMA config object (a whole config.json, or its text_config).
absl::StatusOr<LlamaConfig> ParseLlamaConfig(const JsonObject& json);

// Reads `path` (a config.json, or a checkpoint directory holding one); uses
// its text_config when it has one.
absl::StatusOr<LlamaConfig> LoadLlamaConfig(const std::string& path);

}  // namespace xsd
