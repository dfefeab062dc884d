// Hyper-parameters of a CLIP ViT vision tower (the `vision_config` object of a
// Hugging Face config.json, or a CLIPVisionConfig of its own).
//
// The defaults are CLIP ViT-L/14 at 224 px (Video-LLaVA's towers);
// ClipVitL14_336() is EventGPT's tower. Plain data: copy freely.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xsd {

class JsonObject;

struct ClipVisionConfig {
  int hidden_size = 1024;
  int intermediate_size = 4096;
  int num_hidden_layers = 24;
  int num_attention_heads = 16;
  int image_size = 224;
  int patch_size = 14;
  int num_channels = 3;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";  // "quick_gelu", "gelu" (erf) or "gelu_pytorch_tanh"

  int grid() const { return image_size / patch_size; }  // patches per side
  int num_patches() const { return grid() * grid(); }
  int num_positions() const { return num_patches() + 1; }  // + the class token
  int head_dim() const { return hidden_size / num_attention_heads; }

  // Positive sizes, divisible widths, a known activation. Messages read
  // "<source>: field '<prefix><name>': ..." ("ckpt/config.json: field
  // 'vision_config.patch_size': must be > 0, got 0").
  absl::Status Validate(const std::string& source, const std::string& prefix = "") const;
};

ClipVisionConfig ClipVitL14_224();
ClipVisionConfig ClipVitL14_336();

// Parses a CLIPVisionConfig object (a config.json's vision_config, or a whole
// CLIPVisionModel config.json). Absent fields take transformers'
// CLIPVisionConfig defaults (ViT-B/32: hidden 768, 12 layers, patch 32), as
// transformers does; errors name the file and field. Validated.
absl::StatusOr<ClipVisionConfig> ParseClipVisionConfig(const JsonObject& json);

}  // namespace xsd
