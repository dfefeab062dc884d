// RmsNorm as LLaMA computes it: in float32, x * rsqrt(mean(x^2) + eps), cast
// back to the input dtype, then scaled by the weight (in that dtype).
//
// Immutable after Load; thread-safe.
#pragma once

#include <string>

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

  const at::Tensor& weight() const { return weight_; }

 private:
  at::Tensor weight_;
  double eps_ = 1e-6;
};

}  // namespace xsd
