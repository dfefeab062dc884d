// Tensor building blocks of the adapters (inference only: dropout is the
// identity). Inputs are [T, d] rows.
#pragma once

#include <ATen/core/Tensor.h>

namespace xsd::adapters {

struct LayerNormWeights {
  at::Tensor weight, bias;
};

struct LinearWeights {
  at::Tensor weight, bias;  // bias may be undefined
};

// torch.nn.MultiheadAttention weights (fused q/k/v in-projection).
struct AttentionWeights {
  at::Tensor in_proj_weight, in_proj_bias;
  LinearWeights out_proj;
  int heads = 8;
};

struct TransformerLayerWeights {
  LayerNormWeights attn_norm;
  AttentionWeights attn;
  LayerNormWeights ffn_norm;
  LinearWeights ffn_in, ffn_out;  // ffn.0 and ffn.3
};

at::Tensor LayerNorm(const at::Tensor& x, const LayerNormWeights& w, double eps);
at::Tensor Linear(const at::Tensor& x, const LinearWeights& w);
// Self-attention over the T rows of x; causal masks future rows.
at::Tensor SelfAttention(const at::Tensor& x, const AttentionWeights& w, bool causal);
// x + Attn(LN(x)), then + FFN(LN(x)) with exact GELU.
at::Tensor TransformerLayer(const at::Tensor& x, const TransformerLayerWeights& w, bool causal, double eps);

}  // namespace xsd::adapters
