// An independent float64 reference of the CLIP vision transformer and the
// projector MLP for tests, written with different operations than the library
// (explicit patch loops, per-head loops, hand-written LayerNorm, softmax, GELU).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "test_weights.h"

namespace xsd {
namespace testing {

inline at::Tensor D(const TensorMap& m, const std::string& name) { return m.at(name).to(at::kDouble); }

inline at::Tensor RefLayerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  at::Tensor mean = x.mean({-1}, true);
  at::Tensor var = (x - mean).pow(2).mean({-1}, true);
  return (x - mean) / (var + eps).sqrt() * w + b;
}

inline at::Tensor RefSoftmax(const at::Tensor& s) {
  at::Tensor e = (s - std::get<0>(s.max(-1, true))).exp();
  return e / e.sum({-1}, true);
}

inline at::Tensor RefAffine(const TensorMap& m, const std::string& name, const at::Tensor& x) {
  return at::matmul(x, D(m, name + ".weight").t()) + D(m, name + ".bias");
}

// hidden_states[0..layers] of the CLIP vision transformer.
inline std::vector<at::Tensor> RefClipHiddenStates(const TensorMap& m, const std::string& pre, const ClipVisionConfig& c,
                                            const at::Tensor& pixels) {
  const int64_t n = pixels.size(0), h = c.hidden_size, p = c.patch_size, g = c.grid();
  at::Tensor px = pixels.to(at::kDouble);
  at::Tensor w = D(m, pre + "embeddings.patch_embedding.weight").reshape({h, -1});
  std::vector<at::Tensor> tokens = {D(m, pre + "embeddings.class_embedding").expand({n, h})};
  for (int64_t gy = 0; gy < g; ++gy) {
    for (int64_t gx = 0; gx < g; ++gx) {
      at::Tensor block = px.slice(2, gy * p, gy * p + p).slice(3, gx * p, gx * p + p).reshape({n, -1});
      tokens.push_back(at::matmul(block, w.t()));
    }
  }
  at::Tensor x = at::stack(tokens, 1) + D(m, pre + "embeddings.position_embedding.weight");
  x = RefLayerNorm(x, D(m, pre + "pre_layrnorm.weight"), D(m, pre + "pre_layrnorm.bias"), c.layer_norm_eps);
  std::vector<at::Tensor> states = {x};
  const int64_t heads = c.num_attention_heads, d = c.head_dim();
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string l = pre + "encoder.layers." + std::to_string(i) + ".";
    at::Tensor y = RefLayerNorm(x, D(m, l + "layer_norm1.weight"), D(m, l + "layer_norm1.bias"), c.layer_norm_eps);
    at::Tensor q = RefAffine(m, l + "self_attn.q_proj", y) / std::sqrt(static_cast<double>(d));
    at::Tensor k = RefAffine(m, l + "self_attn.k_proj", y);
    at::Tensor v = RefAffine(m, l + "self_attn.v_proj", y);
    std::vector<at::Tensor> per_head;
    for (int64_t hd = 0; hd < heads; ++hd) {
      at::Tensor qh = q.slice(2, hd * d, hd * d + d), kh = k.slice(2, hd * d, hd * d + d), vh = v.slice(2, hd * d, hd * d + d);
      per_head.push_back(at::matmul(RefSoftmax(at::matmul(qh, kh.transpose(1, 2))), vh));
    }
    x = x + RefAffine(m, l + "self_attn.out_proj", at::cat(per_head, 2));
    y = RefLayerNorm(x, D(m, l + "layer_norm2.weight"), D(m, l + "layer_norm2.bias"), c.layer_norm_eps);
    at::Tensor f = RefAffine(m, l + "mlp.fc1", y);
    f = f / (1.0 + (-1.702 * f).exp());  // quick_gelu
    x = x + RefAffine(m, l + "mlp.fc2", f);
    states.push_back(x);
  }
  return states;
}

// Exact GELU, 0.5 x (1 + erf(x / sqrt 2)).
inline at::Tensor RefGelu(const at::Tensor& x) { return 0.5 * x * (1.0 + at::erf(x / std::sqrt(2.0))); }

// Linear, GELU, Linear with weights "<a>.*" and "<b>.*".
inline at::Tensor RefProjector(const TensorMap& m, const std::string& a, const std::string& b, const at::Tensor& x) {
  return RefAffine(m, b, RefGelu(RefAffine(m, a, x.to(at::kDouble))));
}

}  // namespace testing
}  // namespace xsd
