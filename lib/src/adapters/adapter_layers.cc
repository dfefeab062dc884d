#include "adapter_layers.h"

#include <cmath>
#include <limits>

#include <ATen/ATen.h>

namespace xsd::adapters {

at::Tensor LayerNorm(const at::Tensor& x, const LayerNormWeights& w, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w.weight, w.bias, eps);
}

at::Tensor Linear(const at::Tensor& x, const LinearWeights& w) { return at::linear(x, w.weight, w.bias); }

at::Tensor SelfAttention(const at::Tensor& x, const AttentionWeights& w, bool causal) {
  const int64_t t = x.size(0);
  const int64_t d = x.size(1);
  const int64_t hd = d / w.heads;
  // [T, 3d] -> three [heads, T, hd]
  const at::Tensor qkv = at::linear(x, w.in_proj_weight, w.in_proj_bias).view({t, 3, w.heads, hd}).permute({1, 2, 0, 3});
  const at::Tensor q = qkv.select(0, 0);
  const at::Tensor k = qkv.select(0, 1);
  const at::Tensor v = qkv.select(0, 2);
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(hd)));
  if (causal && t > 1) {
    const at::Tensor future = at::ones({t, t}, x.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  }
  const at::Tensor probs = at::softmax(scores.to(at::kFloat), -1).to(x.scalar_type());
  const at::Tensor out = at::matmul(probs, v).permute({1, 0, 2}).reshape({t, d});
  return Linear(out, w.out_proj);
}

at::Tensor TransformerLayer(const at::Tensor& x, const TransformerLayerWeights& w, bool causal, double eps) {
  at::Tensor h = x + SelfAttention(LayerNorm(x, w.attn_norm, eps), w.attn, causal);
  return h + Linear(at::gelu(Linear(LayerNorm(h, w.ffn_norm, eps), w.ffn_in)), w.ffn_out);
}

}  // namespace xsd::adapters
