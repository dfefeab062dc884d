// The RMSNorm of one decode row inside the GEMV that consumes it (the input
// norm with the qkv projection, the post-attention norm with gate/up + SiLU):
// kernels::LaunchRmsNormGemvBf16 / LaunchRmsNormGemvSiluGateBf16, one kernel
// instead of two, the same bits as RmsNorm followed by Linear or the fused
// SiLU GEMV. LlamaAttention::ForwardNormed and LlamaMlp::ForwardNormed try
// it first when NormGemvInDecode() and fall back to the separate norm when
// it does not fit; it is public for models built from the same pieces. Every
// build: without the CUDA kernels it never fits.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/llama_rms_norm.h"

namespace xsd {

// sum = x + residual rounded (x itself when residual is undefined), y the
// projection of norm(sum): Linear(·, w) when silu_inter == 0, else
// round(silu(gate)) * up with w the fused [2 * silu_inter, k] gate/up weight.
// y is undefined when the call does not fit the kernels: not one bf16 CUDA
// row of at most kNormGemvMaxWidth elements, another dtype or device,
// a misaligned view, XSD_GEMV=0 (or XSD_SILU_GEMV=0 for the SiLU form), or
// the skinny GEMM in charge (row-invariant numerics, unless XSD_SKINNY_GEMM=0).
inline constexpr int64_t kNormGemvMaxWidth = 8192;  // kernels::kNormGemvMaxWidth
struct NormedProjection {
  at::Tensor sum, y;
};
// Whether the LLaMA layers' decode rows take NormThenGemv: only with
// XSD_NORM_GEMV=1 (read at each call). Off by default: every block of the
// fused kernel waits for its own norm before it streams weights, and the
// 7B decode step measured 4.38 vs 4.30 ms with it (4.61 vs 4.35 before the
// prologue kept h in shared memory; docs/PERFORMANCE.md run 9).
bool NormGemvInDecode();

absl::StatusOr<NormedProjection> NormThenGemv(const RmsNorm& norm, const at::Tensor& x, const at::Tensor& residual,
                                              const at::Tensor& w, int64_t silu_inter = 0);

}  // namespace xsd
