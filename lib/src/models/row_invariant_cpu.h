// Row-invariant numerics on the CPU (Numerics::kRowInvariant where libxsd's
// CUDA kernels do not run): each output row is computed by the same compiled
// code in the same order whatever the other rows of the call, so a verify row
// has the bits of the decode step that would have produced it. ATen's CPU
// GEMMs (MKL / oneDNN) block by the row count, and its vectorised element
// kernels (SiLU's exp) take a scalar tail where a row's elements end: a
// 1-row and a 9-row call part in the last bits (fp32 and bf16 alike).
//
// Every reduction here is one fixed order of float32 operations (eight lanes,
// then the lanes summed in a fixed tree), whatever the row, position, tile
// or thread split; the products run in register tiles of several rows and
// columns, each output's lanes the same IEEE operations as alone. The
// rounding to the tensor's dtype follows the ATen formulas the layers use
// elsewhere. The calls are for inference (no autograd) and up to
// kRowInvariantMaxRows rows (fused_kernels.h), as on CUDA; the models
// module chooses them.
#pragma once

#include <cstdint>
#include <initializer_list>

#include <ATen/core/Tensor.h>

namespace xsd {

struct AttentionMask;

struct KernelOptions;

// Whether a call of `rows` rows over `tensors` (undefined ones skipped) can
// take the functions below: 1..kRowInvariantMaxRows rows, every tensor on
// the CPU in one dtype (float32, bfloat16 or float16), and no autograd.
bool RowInvariantCpuCall(int64_t rows, std::initializer_list<at::Tensor> tensors);
// ... and row-invariant numerics are on (RmsNorm, which has no options,
// takes RowInvariantCpuCall alone: its rows are computed alone in either
// numerics).
bool RowInvariantOnCpu(const KernelOptions& options, int64_t rows, std::initializer_list<at::Tensor> tensors);

// y [..., n] = x [..., k] · w [n, k]^T (+ b [n]): x, w (and b) of one dtype,
// each output a float32 dot product in the fixed order, plus the bias, then
// rounded once.
at::Tensor RowInvariantLinearCpu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// silu(gate) * up for gate_up [..., 2 * inter] (gate first): as at::silu
// (rounded to the dtype) times up, element by element with one exp.
at::Tensor RowInvariantSiluMulCpu(const at::Tensor& gate_up, int64_t inter);

// RMSNorm of the rows of x [..., d]: x * rsqrt(mean(x^2) + eps), rounded to
// x's dtype, times weight [d] (the RmsNorm formula), the mean summed in the
// fixed order.
at::Tensor RowInvariantRmsNormCpu(const at::Tensor& x, const at::Tensor& weight, double eps);

// AttendCached's contract (xsd/models/attention.h): q [T, H, D], keys and
// values [KV, L + T, D] holding the new rows, the mask's bias or causal
// rule. Each query vector takes its visible keys in cache order: scores
// (dot product times 1/sqrt(D)), their maximum, p = exp(s - max), the sum of
// p and the output sum of p * v in key order, divided by the sum and rounded
// once. Masked keys are skipped, so a vector sees exactly what its decode
// step would (a tree row's ancestors, a chain row's prefix).
at::Tensor RowInvariantAttendCpu(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                 const AttentionMask& mask);

}  // namespace xsd
