// An independent LLaMA reference for the tests: float64, no KV cache, one
// query head at a time, RoPE angles from std::cos/std::sin in double, an
// explicit per-row visibility matrix. It shares no code with lib/src/models
// (only the weights, read by name from the map), so agreement checks the
// library's fused projections, cache writes, grouped-query stacking, masks
// and rotary tables.
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <string>
#include <vector>

#include "xsd/models/llama_config.h"
#include "xsd/models/weights_map.h"

namespace xsd::testing {

struct ReferenceOutput {
  at::Tensor hidden;  // [T, hidden] float64, after the final norm
  at::Tensor logits;  // [T, vocab] float64
};

// Inverse frequencies of every rope type, in double, written from the formulas.
inline std::vector<double> ReferenceInverseFrequencies(const RopeConfig& rope, int head_dim) {
  std::vector<double> inv(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) {
    double f = std::pow(rope.theta, -2.0 * i / head_dim);
    if (rope.type == RopeConfig::Type::kLinear) f /= rope.factor;
    if (rope.type == RopeConfig::Type::kLlama3) {
      const double wavelength = 2 * M_PI / f;
      const double low = rope.original_max_position_embeddings / rope.low_freq_factor;    // longest kept-ish
      const double high = rope.original_max_position_embeddings / rope.high_freq_factor;  // shortest blended
      if (wavelength > low) {
        f = f / rope.factor;
      } else if (wavelength >= high) {
        const double s = (rope.original_max_position_embeddings / wavelength - rope.low_freq_factor) /
                         (rope.high_freq_factor - rope.low_freq_factor);
        f = (1 - s) * f / rope.factor + s * f;
      }
    }
    inv[i] = f;
  }
  return inv;
}

// Rotates every row t of x [T, D] by the angles of positions[t].
inline at::Tensor ReferenceRotate(const at::Tensor& x, const std::vector<int64_t>& positions,
                                  const std::vector<double>& inv) {
  const int64_t half = x.size(1) / 2;
  at::Tensor out = x.clone();
  auto xa = x.accessor<double, 2>();
  auto oa = out.accessor<double, 2>();
  for (int64_t t = 0; t < x.size(0); ++t) {
    for (int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(positions[t]) * inv[i];
      const double c = std::cos(angle), s = std::sin(angle);
      oa[t][i] = xa[t][i] * c - xa[t][i + half] * s;
      oa[t][i + half] = xa[t][i + half] * c + xa[t][i] * s;
    }
  }
  return out;
}

inline at::Tensor ReferenceRmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
  return x / (x.pow(2).mean(-1, true) + eps).sqrt() * w;
}

// The whole sequence at once. visible[i][j]: row i attends to row j.
inline ReferenceOutput ReferenceForward(const LlamaConfig& c, const MapWeightSource& weights,
                                        const std::vector<int32_t>& tokens, const std::vector<int64_t>& positions,
                                        const std::vector<std::vector<bool>>& visible,
                                        const std::string& prefix = "model.", const std::string& head = "lm_head.weight") {
  auto w = [&](const std::string& name) { return weights.tensors().at(name).to(at::kDouble); };
  auto linear = [&](const at::Tensor& x, const std::string& name, bool bias) {
    at::Tensor y = at::matmul(x, w(name + ".weight").t());
    return bias ? y + w(name + ".bias") : y;
  };
  const int64_t T = static_cast<int64_t>(tokens.size());
  const std::vector<double> inv = ReferenceInverseFrequencies(c.rope, c.head_dim);
  at::Tensor x = at::empty({T, c.hidden_size}, at::kDouble);
  const at::Tensor embed = w(prefix + "embed_tokens.weight");
  for (int64_t t = 0; t < T; ++t) x[t].copy_(embed[tokens[t]]);
  for (int l = 0; l < c.num_layers; ++l) {
    const std::string p = prefix + "layers." + std::to_string(l) + ".";
    const at::Tensor xn = ReferenceRmsNorm(x, w(p + "input_layernorm.weight"), c.rms_norm_eps);
    const at::Tensor q = linear(xn, p + "self_attn.q_proj", c.attention_bias);
    const at::Tensor k = linear(xn, p + "self_attn.k_proj", c.attention_bias);
    const at::Tensor v = linear(xn, p + "self_attn.v_proj", c.attention_bias);
    std::vector<at::Tensor> heads;
    for (int h = 0; h < c.num_heads; ++h) {
      const int kv = h / (c.num_heads / c.num_kv_heads);
      const at::Tensor qh = ReferenceRotate(q.narrow(1, h * c.head_dim, c.head_dim).contiguous(), positions, inv);
      const at::Tensor kh = ReferenceRotate(k.narrow(1, kv * c.head_dim, c.head_dim).contiguous(), positions, inv);
      const at::Tensor vh = v.narrow(1, kv * c.head_dim, c.head_dim);
      at::Tensor out = at::zeros({T, c.head_dim}, at::kDouble);
      for (int64_t i = 0; i < T; ++i) {
        std::vector<int64_t> seen;
        for (int64_t j = 0; j < T; ++j) {
          if (visible[i][j]) seen.push_back(j);
        }
        const at::Tensor idx = at::tensor(seen, at::kLong);
        const at::Tensor scores = at::matmul(kh.index_select(0, idx), qh[i]) / std::sqrt(double(c.head_dim));
        const at::Tensor p_attn = (scores - scores.max()).exp();
        out[i].copy_(at::matmul(p_attn / p_attn.sum(), vh.index_select(0, idx)));
      }
      heads.push_back(out);
    }
    x = x + linear(at::cat(heads, 1), p + "self_attn.o_proj", c.attention_bias);
    const at::Tensor hn = ReferenceRmsNorm(x, w(p + "post_attention_layernorm.weight"), c.rms_norm_eps);
    const at::Tensor gate = linear(hn, p + "mlp.gate_proj", c.mlp_bias);
    const at::Tensor up = linear(hn, p + "mlp.up_proj", c.mlp_bias);
    x = x + linear(gate / (1 + (-gate).exp()) * up, p + "mlp.down_proj", c.mlp_bias);
  }
  ReferenceOutput r;
  r.hidden = ReferenceRmsNorm(x, w(prefix + "norm.weight"), c.rms_norm_eps);
  const at::Tensor lm = c.tie_word_embeddings ? embed : w(head);
  r.logits = at::matmul(r.hidden, lm.t());
  return r;
}

// Causal visibility for a plain sequence.
inline std::vector<std::vector<bool>> CausalVisibility(int n) {
  std::vector<std::vector<bool>> v(n, std::vector<bool>(n, false));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j) v[i][j] = true;
  }
  return v;
}

inline double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace xsd::testing
