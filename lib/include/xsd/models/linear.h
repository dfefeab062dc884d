// The decoder's linear layer: at::linear, except that bfloat16 CUDA inputs
// go through libxsd's kernels in builds with them, as `options` say: one row
// (decode) through the GEMV kernel (each weight row read once, 16-byte loads,
// float32 accumulation) unless options.gemv is off; under row-invariant
// numerics, up to 64 rows through the skinny GEMM, each row's sum the same
// whatever the row count (xsd/models/kernel_options.h).
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/kernel_options.h"

namespace xsd {

// x [..., k], w [n, k], b [n] or undefined -> [..., n].
absl::StatusOr<at::Tensor> Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                                  const KernelOptions& options);

}  // namespace xsd
