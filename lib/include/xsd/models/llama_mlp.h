// LlamaMlp: down(silu(gate(x)) * up(x)), with gate and up fused into one
// [2 * intermediate, hidden] weight at load (one matmul per step).
//
// Immutable after Load; thread-safe.
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/kernel_options.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/weight_source.h"

namespace xsd {

class LlamaMlp {
 public:
  // Takes gate_proj, up_proj, down_proj (".weight", and ".bias" when
  // config.mlp_bias) under `weights` (the layer's "mlp." scope).
  static absl::StatusOr<LlamaMlp> Load(const ScopedWeights& weights, const LlamaConfig& config);

  // x [T, hidden] -> [T, hidden], with the kernels `options` allow.
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& x, const KernelOptions& options) const;

 private:
  at::Tensor gate_up_, gate_up_bias_;  // [2I, H], [2I] (bias undefined when absent)
  at::Tensor down_, down_bias_;        // [H, I], [H]
  int64_t intermediate_ = 0;
};

}  // namespace xsd
