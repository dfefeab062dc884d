// The models' side of the fused CUDA kernels (lib/src/kernels): which tensor
// dtypes they take and how row-invariant numerics apply them. The layers that
// use them: RmsNorm, LlamaMlp, Linear (xsd/models/linear.h), LlamaAttention
// (rotary + cache write), AttendCached. Which kernels run is the model's
// KernelOptions (xsd/models/kernel_options.h), passed down with each call.
#pragma once

#include "xsd/models/kernel_options.h"
#include "xsd/models/linear.h"

#include <ATen/core/Tensor.h>
#include <c10/core/GradMode.h>

#ifdef XSD_WITH_CUDA_KERNELS
#include "kernels/llama_kernels.h"
#endif

namespace xsd {

// The kernels have no backward: a call that autograd must differentiate
// (grad mode on and an input or weight requiring grad: the runtime's modules
// under training, xsd/training/parameters.h) takes the ATen formula.
template <typename... Tensors>
bool NeedsAutograd(const Tensors&... t) {
  return c10::GradMode::is_enabled() && ((t.defined() && t.requires_grad()) || ...);
}

// The most rows a call computes row-invariantly (Numerics::kRowInvariant):
// verify steps of up to 63 draft tokens; larger calls (prefills) take the
// fast kernels.
inline constexpr int kRowInvariantMaxRows = 64;

#ifdef XSD_WITH_CUDA_KERNELS
// The kernels' dtype for `t` (float32, bfloat16, float16); false otherwise.
bool FusedKernelDtype(const at::Tensor& t, kernels::Dtype* dtype);

// Row-invariant numerics (Numerics::kRowInvariant) as the kernels apply it:
// every Linear of up to kRowInvariantMaxRows rows runs the tensor-core
// skinny GEMM (kernels/skinny_gemm.cu), one row included, and attention over
// the cache the tensor-core kernel (bf16/fp16, head dim 128) or the decode
// kernel, whose rows are each computed alone. The gate/up + SiLU and qkv +
// rotary fusions are then the skinny GEMM's epilogues (the same bits as its
// plain form followed by the SiLU or rotary kernel), for 1-64 rows. GEMV slices
// of 8 rows in place of the skinny GEMM lost (planted 21 / 49 / 72 / 100 %:
// 0.74 / 1.02 / 1.25 / 1.44x against 1.24 / 1.66 / 1.91 / 2.17x;
// docs/PERFORMANCE.md) and were removed. On the CPU: row_invariant_cpu.h.
static_assert(kRowInvariantMaxRows == kernels::kSkinnyGemmMaxRows);
#endif

}  // namespace xsd
