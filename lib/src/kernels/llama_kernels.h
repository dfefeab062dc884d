// Fused CUDA kernels for the LLaMA decoder's small per-row operations, which
// otherwise cost several ATen kernels each (a decode step is launch-bound:
// docs/PERFORMANCE.md). Plain C++ interface (no CUDA or torch types), so the
// callers (models/llama_rms_norm.cc, llama_mlp.cc) compile in any build; the
// kernels exist only in CUDA builds with nvcc (XSD_WITH_CUDA_KERNELS).
//
// Numerics follow the ATen formulas they replace, step by step: float32
// arithmetic, rounding to the tensor dtype where ATen rounds (the residual
// sum, the normalised value, the SiLU output, each product).
#pragma once

#include <cstdint>

namespace xsd::kernels {

enum class Dtype { kFloat32, kBFloat16, kFloat16 };

// Per row of `dim` elements: h = x (+ residual, rounded; written to sum_out
// when given); out = weight * round(h * rsqrt(mean(h^2) + eps)).
// Returns nullptr, or the CUDA error string of the launch.
const char* LaunchRmsNorm(Dtype dtype, const void* x, const void* residual, void* sum_out, const void* weight,
                          void* out, int64_t rows, int dim, float eps, void* stream);

// gate_up [rows, 2 * inter] (gate | up) -> out [rows, inter] =
// round(silu(gate)) * up.
const char* LaunchSiluMul(Dtype dtype, const void* gate_up, void* out, int64_t rows, int64_t inter, void* stream);

// y [m, n] = x [m, k] · w [n, k]^T for bfloat16, m <= kGemvMaxRows, k a
// multiple of 8, every pointer 16-byte aligned; float32 accumulation, one
// rounding. Decode and verify steps are GEMV-shaped (m = 1 .. a few rows):
// each weight row is read once for all m rows, with 16-byte loads.
inline constexpr int kGemvMaxRows = 8;
const char* LaunchGemvBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream);

}  // namespace xsd::kernels
