// LlamaMlp: down(silu(gate(x)) * up(x)), with gate and up fused into one
// [2 * intermediate, hidden] weight at load (one matmul per step).
//
// Immutable after Load; thread-safe.
#pragma once

#include <utility>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/weight_source.h"

namespace xsd {

class LlamaMlp {
 public:
  // Takes gate_proj, up_proj, down_proj (".weight", and ".bias" when
  // config.mlp_bias) under `weights` (the layer's "mlp." scope).
  static absl::StatusOr<LlamaMlp> Load(const ScopedWeights& weights, const LlamaConfig& config);

  // x [T, hidden] -> [T, hidden].
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& x) const;
  // With the norm before it: h = x + residual (x when residual is
  // undefined), returns (h, Forward(norm(h))). With NormGemvInDecode(), a
  // bf16 decode row on CUDA runs the norm inside the gate/up kernel (the
  // same bits; xsd/models/norm_gemv.h).
  absl::StatusOr<std::pair<at::Tensor, at::Tensor>> ForwardNormed(const RmsNorm& norm, const at::Tensor& x,
                                                                  const at::Tensor& residual) const;

 private:
  at::Tensor gate_up_, gate_up_bias_;  // [2I, H], [2I] (bias undefined when absent)
  at::Tensor down_, down_bias_;        // [H, I], [H]
  int64_t intermediate_ = 0;
};

}  // namespace xsd
