// The content of a random checkpoint (private to random_checkpoint*.cc): the
// config.json and the ordered list of tensors, as a function of a preset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {
namespace vision_internal {

enum class Init { kNormal, kOnes, kZeros };

struct PlannedTensor {
  std::string name;
  std::vector<int64_t> shape;
  Init init = Init::kNormal;
  int64_t numel() const;
};

// What a preset describes. The text model follows LLaMA's shapes.
struct CheckpointShape {
  std::string kind;  // "llama", "eventgpt", "video_llava"
  int vocab = 32000;
  int hidden = 4096, intermediate = 11008, layers = 32, heads = 32, kv_heads = 32;
  int max_positions = 4096;
  ClipVisionConfig vision;  // eventgpt, video_llava
  TokenId image_token = 32000, video_token = 32001, pad_token = 32002;  // video_llava
  bool tiny = true;
  bool tied = false;  // the LM head is the embedding table (tie_word_embeddings; no head tensor)
};

// What the tokenizer that goes with the checkpoint says (all zero / kNoToken
// when there is none).
struct TokenizerFacts {
  int vocab = 0;  // pieces + added tokens
  TokenId image = kNoToken, video = kNoToken, pad = kNoToken;  // ids of <image>, <video>, <pad>
};

absl::StatusOr<CheckpointShape> PresetShape(const std::string& preset, const TokenizerFacts& tokenizer);

// Tensors in the order they are written (embeddings, towers, layers, head).
std::vector<PlannedTensor> PlanTensors(const CheckpointShape& shape, bool hub_layout);
nlohmann::json PlanConfig(const CheckpointShape& shape, bool hub_layout, const std::string& dtype_name);

}  // namespace vision_internal
}  // namespace xsd
