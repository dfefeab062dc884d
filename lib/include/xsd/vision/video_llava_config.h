// VideoLlavaConfig: a Video-LLaVA config.json (VideoLlavaForConditionalGeneration):
// text_config (the LLaMA decoder), vision_config (CLIP ViT, shared by the
// image and video towers) and the multimodal fields. Both layouts of
// FACTS.md §4b are accepted (the text_config parsing is LLaMA's), and both
// spellings of the special ids (image_token_index / image_token_id, same for
// video). Plain data.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/models/llama_config.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {

class JsonObject;

struct VideoLlavaConfig {
  LlamaConfig text;
  ClipVisionConfig vision;
  int vision_feature_layer = -2;                       // index into the tower's hidden_states
  std::string vision_feature_select_strategy = "default";  // images: "default" drops CLS, "full" keeps it
  std::string projector_hidden_act = "gelu";
  TokenId image_token = 32000;
  TokenId video_token = 32001;
  TokenId pad_token = kNoToken;
};

absl::StatusOr<VideoLlavaConfig> ParseVideoLlavaConfig(const JsonObject& json);
// `path`: a checkpoint directory or its config.json.
absl::StatusOr<VideoLlavaConfig> LoadVideoLlavaConfig(const std::string& path);

}  // namespace xsd
