#include "xsd/vision/video_llava_config.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "io/json_file.h"

namespace xsd {
namespace {

// The first of `keys` present (and not null), or `fallback`.
absl::StatusOr<int64_t> FirstInt(const JsonObject& json, std::initializer_list<const char*> keys, int64_t fallback) {
  for (const char* key : keys) {
    if (json.json().contains(key) && !json.json().at(key).is_null()) return json.Int(key);
  }
  return fallback;
}

}  // namespace

absl::StatusOr<VideoLlavaConfig> ParseVideoLlavaConfig(const JsonObject& json) {
  VideoLlavaConfig c;
  XSD_ASSIGN_OR_RETURN(JsonObject text, json.Object("text_config"));
  XSD_ASSIGN_OR_RETURN(c.text, ParseLlamaConfig(text));
  XSD_ASSIGN_OR_RETURN(JsonObject vision, json.Object("vision_config"));
  XSD_ASSIGN_OR_RETURN(c.vision, ParseClipVisionConfig(vision));
  if (json.json().contains("vision_feature_layer") && json.json().at("vision_feature_layer").is_array()) {
    return absl::UnimplementedError(absl::StrCat(json.source(), ": field 'vision_feature_layer': a list of layers ",
                                                 "(concatenated features) is not supported; Video-LLaVA uses one"));
  }
  XSD_ASSIGN_OR_RETURN(int64_t layer, json.Int("vision_feature_layer", c.vision_feature_layer));
  const int layers = c.vision.num_hidden_layers;
  if (layer < -(layers + 1) || layer > layers) {
    return absl::InvalidArgumentError(absl::StrCat(json.source(), ": field 'vision_feature_layer': ", layer,
                                                   " is out of range for ", layers, " vision layers"));
  }
  c.vision_feature_layer = static_cast<int>(layer);
  XSD_ASSIGN_OR_RETURN(c.vision_feature_select_strategy,
                       json.String("vision_feature_select_strategy", c.vision_feature_select_strategy));
  if (c.vision_feature_select_strategy != "default" && c.vision_feature_select_strategy != "full") {
    return absl::InvalidArgumentError(absl::StrCat(json.source(), ": field 'vision_feature_select_strategy': '",
                                                   c.vision_feature_select_strategy, "' (expected default or full)"));
  }
  XSD_ASSIGN_OR_RETURN(c.projector_hidden_act, json.String("projector_hidden_act", c.projector_hidden_act));
  XSD_ASSIGN_OR_RETURN(int64_t image, FirstInt(json, {"image_token_index", "image_token_id"}, c.image_token));
  XSD_ASSIGN_OR_RETURN(int64_t video, FirstInt(json, {"video_token_index", "video_token_id"}, c.video_token));
  XSD_ASSIGN_OR_RETURN(int64_t pad, FirstInt(json, {"pad_token_id"}, c.text.pad_token));
  c.image_token = static_cast<TokenId>(image);
  c.video_token = static_cast<TokenId>(video);
  c.pad_token = static_cast<TokenId>(pad);
  if (c.video_token < 0 || c.video_token >= c.text.vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat(json.source(), ": field 'video_token_index': ", c.video_token,
                                                   " is outside the vocabulary [0, ", c.text.vocab_size, ")"));
  }
  return c;
}

absl::StatusOr<VideoLlavaConfig> LoadVideoLlavaConfig(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "config.json").string();
  XSD_ASSIGN_OR_RETURN(nlohmann::json root, ReadJsonFile(file));
  return ParseVideoLlavaConfig(JsonObject(&root, file));
}

}  // namespace xsd
