// The decoder's linear layer: at::linear, except that bfloat16 CUDA inputs of
// at most 8 rows (decode and verify steps) go through libxsd's GEMV kernel in
// builds with the fused kernels (each weight row read once, 16-byte loads,
// float32 accumulation), unless the environment sets XSD_GEMV=0 (A/B timing).
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

// x [..., k], w [n, k], b [n] or undefined -> [..., n].
absl::StatusOr<at::Tensor> Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = at::Tensor());

}  // namespace xsd
