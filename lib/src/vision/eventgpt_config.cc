#include "xsd/vision/eventgpt_config.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "io/json_file.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;

// mm_visual_tower as a local directory holding a config.json, or "".
std::string ResolveTowerDir(const std::string& tower, const std::string& checkpoint_dir) {
  if (tower.empty()) return "";
  std::error_code ec;
  for (const fs::path& candidate : {fs::path(tower), fs::path(checkpoint_dir) / tower}) {
    if (fs::is_regular_file(candidate / "config.json", ec)) return candidate.string();
  }
  return "";
}

}  // namespace

absl::StatusOr<EventGptConfig> LoadEventGptConfig(const std::string& dir) {
  const std::string file = (fs::path(dir) / "config.json").string();
  XSD_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(file));
  JsonObject json(&root, file);
  EventGptConfig c;
  XSD_ASSIGN_OR_RETURN(c.text, ParseLlamaConfig(json));
  XSD_ASSIGN_OR_RETURN(c.vision_tower, json.String("mm_visual_tower", ""));
  if (root.contains("event_feature_adaptor") && !root.at("event_feature_adaptor").is_null()) {
    XSD_ASSIGN_OR_RETURN(bool adaptor, json.Bool("event_feature_adaptor"));
    c.feature_adaptor = adaptor;
  }
  c.vision_tower_dir = ResolveTowerDir(c.vision_tower, dir);
  if (root.contains("vision_config") && !root.at("vision_config").is_null()) {
    XSD_ASSIGN_OR_RETURN(JsonObject vision, json.Object("vision_config"));
    XSD_ASSIGN_OR_RETURN(c.vision, ParseClipVisionConfig(vision));
    c.vision_config_source = absl::StrCat(file, ": vision_config");
  } else if (!c.vision_tower_dir.empty()) {
    const std::string tower_file = (fs::path(c.vision_tower_dir) / "config.json").string();
    XSD_ASSIGN_OR_RETURN(nlohmann::json tower_root, ReadJsonFile(tower_file));
    JsonObject tower(&tower_root, tower_file);
    if (tower_root.contains("vision_config")) {  // a full CLIPModel config
      XSD_ASSIGN_OR_RETURN(JsonObject vision, tower.Object("vision_config"));
      XSD_ASSIGN_OR_RETURN(c.vision, ParseClipVisionConfig(vision));
    } else {
      XSD_ASSIGN_OR_RETURN(c.vision, ParseClipVisionConfig(tower));
    }
    c.vision_config_source = tower_file;
  } else {
    c.vision = ClipVitL14_336();
    c.vision_config_source = "CLIP ViT-L/14-336 (EventGPT's tower; config.json names no local vision config)";
  }
  return c;
}

}  // namespace xsd
