// ParseClipVisionConfig: kept apart from clip_vision_config.cc so that the
// tower itself does not need the JSON reader.
#include <climits>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "io/json_file.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {
namespace {

absl::Status ReadInt(const JsonObject& json, const std::string& key, int* value) {
  XSD_ASSIGN_OR_RETURN(int64_t v, json.Int(key, *value));
  if (v < INT_MIN || v > INT_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat(json.source(), ": field '", json.prefix(), key, "': ", v, " is out of range"));
  }
  *value = static_cast<int>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClipVisionConfig> ParseClipVisionConfig(const JsonObject& json) {
  if (!json.json().is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(json.source(), ": '", json.prefix(), "' is not a JSON object"));
  }
  // transformers' CLIPVisionConfig defaults (ViT-B/32); checkpoints list what differs.
  ClipVisionConfig c;
  c.hidden_size = 768;
  c.intermediate_size = 3072;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.image_size = 224;
  c.patch_size = 32;
  c.num_channels = 3;
  c.layer_norm_eps = 1e-5;
  c.hidden_act = "quick_gelu";
  XSD_RETURN_IF_ERROR(ReadInt(json, "hidden_size", &c.hidden_size));
  XSD_RETURN_IF_ERROR(ReadInt(json, "intermediate_size", &c.intermediate_size));
  XSD_RETURN_IF_ERROR(ReadInt(json, "num_hidden_layers", &c.num_hidden_layers));
  XSD_RETURN_IF_ERROR(ReadInt(json, "num_attention_heads", &c.num_attention_heads));
  XSD_RETURN_IF_ERROR(ReadInt(json, "image_size", &c.image_size));
  XSD_RETURN_IF_ERROR(ReadInt(json, "patch_size", &c.patch_size));
  XSD_RETURN_IF_ERROR(ReadInt(json, "num_channels", &c.num_channels));
  XSD_ASSIGN_OR_RETURN(c.layer_norm_eps, json.Double("layer_norm_eps", c.layer_norm_eps));
  XSD_ASSIGN_OR_RETURN(c.hidden_act, json.String("hidden_act", c.hidden_act));
  XSD_RETURN_IF_ERROR(c.Validate(json.source(), json.prefix()));
  return c;
}

}  // namespace xsd
