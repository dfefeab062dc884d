// EagleHead: the EAGLE-1 draft head (FACTS.md §6). One row per position t:
//   x_t = fc([embed(token_{t+1}); feature_t])      fc: Linear(2d -> d, bias)
//   out_t = LlamaDecoderLayer_without_input_norm(x_t)   (its own KV cache)
// out_t approximates the target's feature at t + 1, so the target's LM head
// turns it into a guess of token_{t+2}. No final norm.
//
// Weight names of the published EAGLE checkpoints: fc.{weight,bias},
// layers.0.self_attn.{q,k,v,o}_proj.weight, layers.0.post_attention_layernorm.weight,
// layers.0.mlp.{gate,up,down}_proj.weight (an embed_tokens.weight copy, when
// present, is ignored: the target's table is used).
//
// Immutable after Load; thread-safe for calls on different caches.
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/llama_decoder_layer.h"
#include "xsd/models/rope.h"
#include "xsd/models/weight_source.h"

namespace xsd {

class EagleHead {
 public:
  // `config`: the head's config.json (a LlamaConfig with one layer).
  static absl::StatusOr<std::unique_ptr<EagleHead>> Load(const LlamaConfig& config, WeightSource* weights,
                                                         int max_positions);

  const LlamaConfig& config() const { return config_; }
  KvCacheSpec CacheSpec(int max_len) const;

  // embeds, features: [T, d]; positions: int64 [T]; tree_mask: bool [T, T]
  // among the new rows or undefined (causal). Writes the rows into `cache` at
  // cache->length() without moving the cursor. Returns out [T, d].
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& embeds, const at::Tensor& features, const at::Tensor& positions,
                                     const at::Tensor& tree_mask, KvCache* cache) const;

 private:
  EagleHead() = default;
  LlamaConfig config_;
  at::Tensor fc_weight_, fc_bias_;
  LlamaDecoderLayer layer_;
  RotaryEmbedding rope_;
  c10::ScalarType dtype_ = c10::ScalarType::Float;
  c10::Device device_ = c10::Device(c10::DeviceType::CPU);
};

}  // namespace xsd
