// EventGptConfig: an EventGPT checkpoint's config.json (upstream
// EventChatModel: a LlamaConfig with model_type "EventChat_llama" plus
// "mm_visual_tower", the CLIP checkpoint the tower was built from, and
// "event_feature_adaptor").
//
// The CLIP tower's shape is not in the upstream config.json. It is taken from,
// in order: a "vision_config" object in config.json (written by libxsd's
// xsd_make_checkpoint, and by anyone who wants to state it), the config.json
// of the directory mm_visual_tower names (absolute, or relative to the
// checkpoint), or CLIP ViT-L/14-336 (the tower every published EventGPT uses).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "xsd/models/llama_config.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {

struct EventGptConfig {
  LlamaConfig text;
  ClipVisionConfig vision = ClipVitL14_336();
  std::string vision_config_source;  // where `vision` came from, for logs and errors
  std::string vision_tower;          // mm_visual_tower as written ("" when absent)
  std::string vision_tower_dir;      // the directory it resolves to, "" when none exists
  // event_feature_adaptor; unset: decided by the checkpoint's tensors.
  std::optional<bool> feature_adaptor;
};

// `dir`: the checkpoint directory (holding config.json).
absl::StatusOr<EventGptConfig> LoadEventGptConfig(const std::string& dir);

}  // namespace xsd
