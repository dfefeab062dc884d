// config.json parsing for LlamaConfig (both layouts, text_config).
#include "xsd/models/llama_config.h"

#include <climits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"
#include "io/json_file.h"

namespace xsd {
namespace {

std::string Field(const JsonObject& json, const std::string& key) {
  return absl::StrCat(json.source(), ": field '", json.prefix(), key, "'");
}

// Present and not null: optional objects may be written as null.
bool Present(const JsonObject& json, const std::string& key) {
  const nlohmann::json& j = json.json();
  return j.is_object() && j.contains(key) && !j.at(key).is_null();
}

absl::StatusOr<int> OptionalInt(const JsonObject& json, const std::string& key, int fallback) {
  XSD_ASSIGN_OR_RETURN(int64_t v, json.Int(key, fallback));
  if (v < INT_MIN || v > INT_MAX) return absl::InvalidArgumentError(absl::StrCat(Field(json, key), ": ", v, " is out of range"));
  return static_cast<int>(v);
}

// eos_token_id may be one id or a list of ids (the first one is used).
absl::StatusOr<TokenId> TokenField(const JsonObject& json, const std::string& key, TokenId fallback) {
  if (!Present(json, key)) return fallback;
  if (json.json().at(key).is_array()) {
    XSD_ASSIGN_OR_RETURN(std::vector<int64_t> ids, json.IntList(key));
    if (ids.empty()) return fallback;
    return static_cast<TokenId>(ids[0]);
  }
  XSD_ASSIGN_OR_RETURN(int v, OptionalInt(json, key, fallback));
  return static_cast<TokenId>(v);
}

// A rope_scaling (hub layout) or rope_parameters (transformers 5) object.
absl::Status ParseRopeObject(const JsonObject& rope, RopeConfig* out) {
  std::string type;
  if (Present(rope, "rope_type")) {
    XSD_ASSIGN_OR_RETURN(type, rope.String("rope_type"));
  } else {
    XSD_ASSIGN_OR_RETURN(type, rope.String("type", "default"));  // older configs
  }
  const std::string type_field = Present(rope, "rope_type") ? "rope_type" : "type";
  if (Present(rope, "rope_theta")) {
    XSD_ASSIGN_OR_RETURN(out->theta, rope.Double("rope_theta"));
  }
  XSD_ASSIGN_OR_RETURN(double partial, rope.Double("partial_rotary_factor", 1.0));
  if (partial != 1.0) {
    return absl::InvalidArgumentError(absl::StrCat(Field(rope, "partial_rotary_factor"), ": ", partial,
                                                   " is not supported (LLaMA rotates the whole head)"));
  }
  if (type == "default") {
    out->type = RopeConfig::Type::kDefault;
    return absl::OkStatus();
  }
  if (type == "linear" || type == "dynamic" || type == "llama3") {
    XSD_ASSIGN_OR_RETURN(out->factor, rope.Double("factor"));
    if (!(out->factor >= 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat(Field(rope, "factor"), ": must be >= 1, got ", out->factor));
    }
  }
  if (type == "linear") {
    out->type = RopeConfig::Type::kLinear;
  } else if (type == "dynamic") {
    out->type = RopeConfig::Type::kDynamic;
    XSD_ASSIGN_OR_RETURN(out->original_max_position_embeddings,
                         OptionalInt(rope, "original_max_position_embeddings", 0));
  } else if (type == "llama3") {
    out->type = RopeConfig::Type::kLlama3;
    XSD_ASSIGN_OR_RETURN(out->low_freq_factor, rope.Double("low_freq_factor"));
    XSD_ASSIGN_OR_RETURN(out->high_freq_factor, rope.Double("high_freq_factor"));
    XSD_ASSIGN_OR_RETURN(int64_t original, rope.Int("original_max_position_embeddings"));
    out->original_max_position_embeddings = static_cast<int>(original);
    if (!(out->high_freq_factor > out->low_freq_factor) || out->low_freq_factor <= 0 || original <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          Field(rope, "high_freq_factor"), ": llama3 rope needs 0 < low_freq_factor < high_freq_factor and ",
          "original_max_position_embeddings > 0, got ", out->low_freq_factor, ", ", out->high_freq_factor, ", ",
          original));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(Field(rope, type_field), ": unsupported rope type '", type,
                                                   "' (supported: default, linear, dynamic, llama3)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LlamaConfig> ParseLlamaConfig(const JsonObject& json) {
  if (!json.json().is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(json.source(), ": '", json.prefix(), "' is not a JSON object"));
  }
  LlamaConfig c;
  XSD_ASSIGN_OR_RETURN(c.vocab_size, OptionalInt(json, "vocab_size", c.vocab_size));
  XSD_ASSIGN_OR_RETURN(c.hidden_size, OptionalInt(json, "hidden_size", c.hidden_size));
  XSD_ASSIGN_OR_RETURN(c.intermediate_size, OptionalInt(json, "intermediate_size", c.intermediate_size));
  XSD_ASSIGN_OR_RETURN(c.num_layers, OptionalInt(json, "num_hidden_layers", c.num_layers));
  XSD_ASSIGN_OR_RETURN(c.num_heads, OptionalInt(json, "num_attention_heads", c.num_heads));
  XSD_ASSIGN_OR_RETURN(c.num_kv_heads, OptionalInt(json, "num_key_value_heads", c.num_heads));
  if (c.num_heads <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(Field(json, "num_attention_heads"), ": must be positive, got ",
                                                   c.num_heads));
  }
  XSD_ASSIGN_OR_RETURN(int head_dim, OptionalInt(json, "head_dim", 0));
  if (head_dim == 0) {
    if (c.hidden_size % c.num_heads != 0) {
      return absl::InvalidArgumentError(absl::StrCat(Field(json, "hidden_size"), ": ", c.hidden_size,
                                                     " is not a multiple of num_attention_heads ", c.num_heads,
                                                     " and head_dim is not given"));
    }
    head_dim = c.hidden_size / c.num_heads;
  }
  c.head_dim = head_dim;
  XSD_ASSIGN_OR_RETURN(c.rms_norm_eps, json.Double("rms_norm_eps", c.rms_norm_eps));
  XSD_ASSIGN_OR_RETURN(c.max_position_embeddings,
                       OptionalInt(json, "max_position_embeddings", c.max_position_embeddings));
  XSD_ASSIGN_OR_RETURN(c.tie_word_embeddings, json.Bool("tie_word_embeddings", c.tie_word_embeddings));
  XSD_ASSIGN_OR_RETURN(c.attention_bias, json.Bool("attention_bias", c.attention_bias));
  XSD_ASSIGN_OR_RETURN(c.mlp_bias, json.Bool("mlp_bias", c.mlp_bias));
  XSD_ASSIGN_OR_RETURN(c.bos_token, TokenField(json, "bos_token_id", c.bos_token));
  XSD_ASSIGN_OR_RETURN(c.eos_token, TokenField(json, "eos_token_id", c.eos_token));
  XSD_ASSIGN_OR_RETURN(c.pad_token, TokenField(json, "pad_token_id", c.pad_token));
  XSD_ASSIGN_OR_RETURN(std::string act, json.String("hidden_act", "silu"));
  if (act != "silu") {
    return absl::InvalidArgumentError(absl::StrCat(Field(json, "hidden_act"), ": '", act,
                                                   "' is not supported (LLaMA uses silu)"));
  }

  // RoPE: transformers 5 writes rope_parameters (theta inside); published
  // checkpoints write rope_theta and rope_scaling at the top level.
  if (Present(json, "rope_parameters")) {
    XSD_ASSIGN_OR_RETURN(JsonObject rope, json.Object("rope_parameters"));
    if (!Present(rope, "rope_theta")) {
      XSD_ASSIGN_OR_RETURN(c.rope.theta, json.Double("rope_theta", c.rope.theta));
    }
    XSD_RETURN_IF_ERROR(ParseRopeObject(rope, &c.rope));
  } else {
    XSD_ASSIGN_OR_RETURN(c.rope.theta, json.Double("rope_theta", c.rope.theta));
    if (Present(json, "rope_scaling")) {
      XSD_ASSIGN_OR_RETURN(JsonObject scaling, json.Object("rope_scaling"));
      XSD_RETURN_IF_ERROR(ParseRopeObject(scaling, &c.rope));
    }
  }
  XSD_RETURN_IF_ERROR(c.Validate(json.source(), json.prefix()));
  return c;
}

absl::StatusOr<LlamaConfig> LoadLlamaConfig(const std::string& path) {
  std::string file = path;
  if (file.size() < 5 || file.substr(file.size() - 5) != ".json") {
    file = absl::StrCat(path, path.empty() || path.back() == '/' ? "" : "/", "config.json");
  }
  XSD_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(file));
  JsonObject root(&j, file);
  if (Present(root, "text_config")) {
    XSD_ASSIGN_OR_RETURN(JsonObject text, root.Object("text_config"));
    return ParseLlamaConfig(text);
  }
  return ParseLlamaConfig(root);
}

}  // namespace xsd
