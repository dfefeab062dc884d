// The models' side of the fused CUDA kernels (lib/src/kernels): which tensor
// dtypes they take, and the environment switches that turn one off for A/B
// runs. The layers that use them: RmsNorm, LlamaMlp, Linear
// (xsd/models/linear.h), LlamaAttention (rotary + cache write), AttendCached.
#pragma once

#include "xsd/models/linear.h"
#include "xsd/models/numerics.h"

namespace xsd {

// True when the environment variable `env_switch` is "1": the opt-in
// switches (XSD_ROW_INVARIANT, XSD_NORM_GEMV). Read at each call, as
// FusedKernelEnabled.
bool EnvSwitchOn(const char* env_switch);

// False when the environment variable `env_switch` is "0" (XSD_GEMV,
// XSD_ROPE_KERNEL, XSD_PREFILL_BUCKET, XSD_SKINNY_GEMM): the ATen path, or
// the plain call, runs instead. Read at each call: the benchmarks flip it
// between runs of one process.
bool FusedKernelEnabled(const char* env_switch);

}  // namespace xsd

#ifdef XSD_WITH_CUDA_KERNELS
#include <ATen/core/Tensor.h>

#include "kernels/llama_kernels.h"

namespace xsd {

// The kernels' dtype for `t` (float32, bfloat16, float16); false otherwise.
bool FusedKernelDtype(const at::Tensor& t, kernels::Dtype* dtype);

// Row-invariant numerics (RowInvariantNumerics(), xsd/models/numerics.h) as
// the kernels apply it: every Linear of up to kRowInvariantMaxRows rows runs
// the skinny GEMM (SkinnyGemmEnabled) or else the GEMV kernel (in slices of
// kernels::kGemvMaxRows rows), and attention
// over the cache the tensor-core kernel (bf16/fp16, head dim 128) or the
// decode kernel, whose rows are each computed alone.
inline constexpr int kRowInvariantMaxRows = 64;

// Row-invariant numerics run the tensor-core skinny GEMM
// (kernels/skinny_gemm.cu) for Linear layers of up to 64 rows, one row
// included, instead of GEMV slices, unless XSD_SKINNY_GEMM=0: verify at 5
// rows costs ~1.05 decode steps instead of ~2, for a decode step of ~5.0
// instead of ~4.2 ms; planted 21 / 49 / 72 / 100 % -> 1.24 / 1.66 / 1.91 /
// 2.17x against 0.74 / 1.02 / 1.25 / 1.44x with the GEMV slices
// (docs/PERFORMANCE.md run 11). The one-row gate/up + SiLU fusion steps
// aside then (its sums are the GEMV's).
bool SkinnyGemmEnabled();

}  // namespace xsd
#endif
