#include "xsd/models/llama_config.h"

#include "absl/strings/str_cat.h"

namespace xsd {

absl::Status LlamaConfig::Validate(const std::string& source, const std::string& prefix) const {
  auto bad = [&](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": field '", prefix, field, "': ", why));
  };
  if (vocab_size <= 0) return bad("vocab_size", absl::StrCat("must be positive, got ", vocab_size));
  if (hidden_size <= 0) return bad("hidden_size", absl::StrCat("must be positive, got ", hidden_size));
  if (intermediate_size <= 0) return bad("intermediate_size", absl::StrCat("must be positive, got ", intermediate_size));
  if (num_layers <= 0) return bad("num_hidden_layers", absl::StrCat("must be positive, got ", num_layers));
  if (num_heads <= 0) return bad("num_attention_heads", absl::StrCat("must be positive, got ", num_heads));
  if (num_kv_heads <= 0 || num_heads % num_kv_heads != 0) {
    return bad("num_key_value_heads", absl::StrCat("must divide num_attention_heads (", num_heads, "), got ",
                                                   num_kv_heads));
  }
  if (head_dim <= 0 || head_dim % 2 != 0) {
    return bad("head_dim", absl::StrCat("must be positive and even, got ", head_dim));
  }
  if (!(rms_norm_eps > 0)) return bad("rms_norm_eps", absl::StrCat("must be positive, got ", rms_norm_eps));
  if (max_position_embeddings <= 0) {
    return bad("max_position_embeddings", absl::StrCat("must be positive, got ", max_position_embeddings));
  }
  if (!(rope.theta > 0)) return bad("rope_theta", absl::StrCat("must be positive, got ", rope.theta));
  return absl::OkStatus();
}

}  // namespace xsd
