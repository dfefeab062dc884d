// The models' side of the fused CUDA kernels (lib/src/kernels): which tensor
// dtypes they take. The layers that use them: RmsNorm, LlamaMlp, Linear
// (xsd/models/linear.h).
#pragma once

#include "xsd/models/linear.h"

#ifdef XSD_WITH_CUDA_KERNELS
#include <ATen/core/Tensor.h>

#include "kernels/llama_kernels.h"

namespace xsd {

// The kernels' dtype for `t` (float32, bfloat16, float16); false otherwise.
bool FusedKernelDtype(const at::Tensor& t, kernels::Dtype* dtype);

}  // namespace xsd
#endif
