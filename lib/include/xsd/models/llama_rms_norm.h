// RmsNorm as LLaMA computes it: in float32, x * rsqrt(mean(x^2) + eps), cast
// back to the input dtype, then scaled by the weight (in that dtype).
// On CUDA builds with the fused kernels (lib/src/kernels) a contiguous CUDA
// input takes one kernel instead of ~8 ATen ops, with the same roundings;
// ForwardResidual also fuses the residual add before it.
//
// Immutable after Load; thread-safe.
#pragma once

#include <string>
#include <utility>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"

namespace xsd {

class RmsNorm {
 public:
  RmsNorm() = default;
  RmsNorm(at::Tensor weight, double eps) : weight_(std::move(weight)), eps_(eps) {}
  // Takes `name` ("input_layernorm.weight") of shape [dim] from `weights`.
  static absl::StatusOr<RmsNorm> Load(const ScopedWeights& weights, const std::string& name, int dim, double eps);

  // x [..., dim] -> same shape and dtype.
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& x) const;
  // (x + residual, norm(x + residual)), the sum rounded to x's dtype; with
  // residual undefined, (x, norm(x)).
  absl::StatusOr<std::pair<at::Tensor, at::Tensor>> ForwardResidual(const at::Tensor& x,
                                                                    const at::Tensor& residual) const;

  const at::Tensor& weight() const { return weight_; }
  double eps() const { return eps_; }

 private:
  // The fused kernel's (sum, normed); both undefined when it does not apply.
  absl::StatusOr<std::pair<at::Tensor, at::Tensor>> Fused(const at::Tensor& x, const at::Tensor& residual) const;

  at::Tensor weight_;
  double eps_ = 1e-6;
};

// Whether this build has the fused CUDA kernels (RMSNorm, SiLU·gate).
bool FusedDecoderKernels();

}  // namespace xsd
