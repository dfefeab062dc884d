#include "xsd/vision/clip_vision_config.h"

#include "absl/strings/str_cat.h"
#include "nn_ops.h"

namespace xsd {

absl::Status ClipVisionConfig::Validate(const std::string& source, const std::string& prefix) const {
  auto bad = [&](const char* field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": field '", prefix, field, "': ", why));
  };
  const std::pair<const char*, int> positive[] = {
      {"hidden_size", hidden_size},         {"intermediate_size", intermediate_size},
      {"num_hidden_layers", num_hidden_layers}, {"num_attention_heads", num_attention_heads},
      {"image_size", image_size},           {"patch_size", patch_size},
      {"num_channels", num_channels}};
  for (const auto& [field, value] : positive) {
    if (value <= 0) return bad(field, absl::StrCat("must be > 0, got ", value));
  }
  if (hidden_size % num_attention_heads != 0) {
    return bad("hidden_size", absl::StrCat(hidden_size, " is not divisible by num_attention_heads ", num_attention_heads));
  }
  if (image_size % patch_size != 0) {
    return bad("image_size", absl::StrCat(image_size, " is not divisible by patch_size ", patch_size));
  }
  if (!(layer_norm_eps > 0)) return bad("layer_norm_eps", absl::StrCat("must be > 0, got ", layer_norm_eps));
  if (!vision_internal::IsKnownActivation(hidden_act)) {
    return bad("hidden_act", absl::StrCat("unsupported activation '", hidden_act,
                                          "' (known: quick_gelu, gelu, gelu_pytorch_tanh, gelu_new)"));
  }
  return absl::OkStatus();
}

ClipVisionConfig ClipVitL14_224() { return ClipVisionConfig(); }

ClipVisionConfig ClipVitL14_336() {
  ClipVisionConfig c;
  c.image_size = 336;
  return c;
}

}  // namespace xsd
