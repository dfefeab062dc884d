// LlamaDecoderLayer: h = x + attn(norm1(x)); out = h + mlp(norm2(h)).
//
// EAGLE's draft head is one such layer without its input norm
// (LlamaDecoderLayerOptions::input_norm = false): then attention sees x
// itself.
//
// A stack of layers passes LlamaResidual between them: the output left as
// h + mlp(...) unsummed, so the next layer's input norm (or the model's final
// norm) adds it in its own kernel (RmsNorm::ForwardResidual) instead of a
// separate add per layer; the sum is rounded the same way.
//
// Immutable after Load; thread-safe as long as callers use different caches.
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_attention.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/llama_mlp.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/weight_source.h"

namespace xsd {

// A hidden state as base + delta, the add not done yet (delta may be
// undefined: then the value is base).
struct LlamaResidual {
  at::Tensor base, delta;
};

struct LlamaDecoderLayerOptions {
  bool input_norm = true;  // false: no input_layernorm (EAGLE heads)
};

class LlamaDecoderLayer {
 public:
  // `weights` is the layer scope ("model.layers.3."): input_layernorm,
  // self_attn.*, post_attention_layernorm, mlp.*.
  static absl::StatusOr<LlamaDecoderLayer> Load(const ScopedWeights& weights, const LlamaConfig& config,
                                                const LlamaDecoderLayerOptions& options = {});

  // x [T, hidden] -> [T, hidden]; writes cache layer `layer` (cache not owned).
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& x, const LlamaForwardContext& ctx, KvCache* cache,
                                     int layer) const;
  // The same with the residual adds deferred: in = this layer's input as
  // base + delta, returns (h, mlp(norm2(h))) whose sum is its output.
  absl::StatusOr<LlamaResidual> ForwardResidual(const LlamaResidual& in, const LlamaForwardContext& ctx,
                                                KvCache* cache, int layer) const;

 private:
  bool has_input_norm_ = true;
  RmsNorm input_norm_;
  LlamaAttention attention_;
  RmsNorm post_attention_norm_;
  LlamaMlp mlp_;
};

}  // namespace xsd
