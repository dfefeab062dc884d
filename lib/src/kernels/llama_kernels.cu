#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"
#include "rms_norm.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::LastError;
using device::Load8;
using device::Round;
using device::Store8;
using device::ToFloat;

using device::kNormThreads;

template <typename T>
__global__ void RmsNormKernel(const T* __restrict__ x, const T* __restrict__ residual, T* __restrict__ sum_out,
                              const T* __restrict__ weight, T* __restrict__ out, int dim, float eps) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (gridDim.x <= device::kStepRows) device::AllowDependentGrids();  // one block per row
  const int64_t base = static_cast<int64_t>(blockIdx.x) * dim;
  float squares = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    float h = ToFloat<T>(x[base + i]);
    if (residual != nullptr) {
      const T sum = FromFloat<T>(h + ToFloat<T>(residual[base + i]));
      sum_out[base + i] = sum;
      h = ToFloat<T>(sum);
    }
    squares = fmaf(h, h, squares);
  }
  const float scale = device::RmsScale(device::BlockSum(squares), dim, eps);
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    // Each thread re-reads the elements it wrote itself: no barrier needed.
    const float h = ToFloat<T>(residual != nullptr ? sum_out[base + i] : x[base + i]);
    out[base + i] = FromFloat<T>(ToFloat<T>(weight[i]) * Round<T>(h * scale));
  }
}

// The same as RmsNormKernel for rows of at most kNormThreads * 8 * kChunks
// elements, dim % 8 == 0 and 16-byte aligned rows: one pass over memory with
// 16-byte loads, the row kept in registers between the sum and the scaling.
template <typename T, int kChunks>
__global__ void RmsNormVecKernel(const T* __restrict__ x, const T* __restrict__ residual, T* __restrict__ sum_out,
                                 const T* __restrict__ weight, T* __restrict__ out, int dim, float eps) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (gridDim.x <= device::kStepRows) device::AllowDependentGrids();  // one block per row
  const int64_t base = static_cast<int64_t>(blockIdx.x) * dim;
  float h[kChunks][8];
  float squares = 0.0f;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int i = (c * kNormThreads + static_cast<int>(threadIdx.x)) * 8;
    if (i >= dim) continue;
    Load8(x + base + i, h[c]);
    if (residual != nullptr) {
      float r[8];
      Load8(residual + base + i, r);
#pragma unroll
      for (int e = 0; e < 8; ++e) h[c][e] = Round<T>(h[c][e] + r[e]);
      Store8(sum_out + base + i, h[c]);
    }
    device::AddSquares8(squares, h[c]);
  }
  const float scale = device::RmsScale(device::BlockSum(squares), dim, eps);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int i = (c * kNormThreads + static_cast<int>(threadIdx.x)) * 8;
    if (i >= dim) continue;
    float w[8], y[8];
    Load8(weight + i, w);
#pragma unroll
    for (int e = 0; e < 8; ++e) y[e] = w[e] * Round<T>(h[c][e] * scale);
    Store8(out + base + i, y);
  }
}

template <typename T>
__global__ void SiluMulKernel(const T* __restrict__ gate_up, T* __restrict__ out, int64_t rows, int64_t inter) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (rows <= device::kStepRows) device::AllowDependentGrids();
  const int64_t total = rows * inter;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / inter, c = i - r * inter;
    const float g = ToFloat<T>(gate_up[r * 2 * inter + c]);
    const float u = ToFloat<T>(gate_up[r * 2 * inter + inter + c]);
    out[i] = FromFloat<T>(device::SiluRounded<T>(g) * u);
  }
}

// SiluMulKernel with 8 channels per thread and 16-byte loads and stores
// (inter a multiple of 8, pointers 16-byte aligned): the same arithmetic per
// element. At a 2 076-row prefill of the 7B the one-channel form took 79 us
// per layer (1.7 TB/s; docs/PERFORMANCE.md run 10).
template <typename T>
__global__ void SiluMulVecKernel(const T* __restrict__ gate_up, T* __restrict__ out, int64_t rows, int64_t inter) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (rows <= device::kStepRows) device::AllowDependentGrids();
  const int64_t per_row = inter / 8, total = rows * per_row;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / per_row, c = (i - r * per_row) * 8;
    float g[8], u[8];
    device::Load8(gate_up + r * 2 * inter + c, g);
    device::Load8(gate_up + r * 2 * inter + inter + c, u);
#pragma unroll
    for (int e = 0; e < 8; ++e) g[e] = device::SiluRounded<T>(g[e]) * u[e];
    device::Store8(out + r * inter + c, g);
  }
}

template <typename T>
const char* RmsNorm(const void* x, const void* residual, void* sum_out, const void* weight, void* out, int64_t rows,
                    int dim, float eps, cudaStream_t stream) {
  if (rows == 0) return nullptr;
  const bool vec = dim % 8 == 0 && device::Aligned16(x) && device::Aligned16(weight) && device::Aligned16(out) &&
                   (residual == nullptr || (device::Aligned16(residual) && device::Aligned16(sum_out)));
  const int chunks = (dim + kNormThreads * 8 - 1) / (kNormThreads * 8);
  if (vec && chunks <= 4) {
    const auto grid = static_cast<unsigned>(rows);
    const auto* xt = static_cast<const T*>(x);
    const auto* rt = static_cast<const T*>(residual);
    const auto* wt = static_cast<const T*>(weight);
    auto* st = static_cast<T*>(sum_out);
    auto* ot = static_cast<T*>(out);
    switch (chunks) {
      case 1:
        device::Launch(device::StepOverlap(rows), RmsNormVecKernel<T, 1>, grid, kNormThreads, 0, stream, xt, rt, st, wt,
                       ot, dim, eps);
        break;
      case 2:
        device::Launch(device::StepOverlap(rows), RmsNormVecKernel<T, 2>, grid, kNormThreads, 0, stream, xt, rt, st, wt,
                       ot, dim, eps);
        break;
      case 3:
        device::Launch(device::StepOverlap(rows), RmsNormVecKernel<T, 3>, grid, kNormThreads, 0, stream, xt, rt, st, wt,
                       ot, dim, eps);
        break;
      default:
        device::Launch(device::StepOverlap(rows), RmsNormVecKernel<T, 4>, grid, kNormThreads, 0, stream, xt, rt, st, wt,
                       ot, dim, eps);
        break;
    }
    return LastError();
  }
  device::Launch(device::StepOverlap(rows), RmsNormKernel<T>, static_cast<unsigned>(rows), kNormThreads, 0, stream,
                 static_cast<const T*>(x), static_cast<const T*>(residual), static_cast<T*>(sum_out),
                 static_cast<const T*>(weight), static_cast<T*>(out), dim, eps);
  return LastError();
}

template <typename T>
const char* SiluMul(const void* gate_up, void* out, int64_t rows, int64_t inter, cudaStream_t stream) {
  const int64_t total = rows * inter;
  if (total == 0) return nullptr;
  const int threads = 256;
  if (inter % 8 == 0 && device::Aligned16(gate_up) && device::Aligned16(out)) {
    const int64_t blocks = (total / 8 + threads - 1) / threads;
    device::Launch(device::StepOverlap(rows), SiluMulVecKernel<T>, static_cast<unsigned>(blocks < 8192 ? blocks : 8192),
                   threads, 0, stream, static_cast<const T*>(gate_up), static_cast<T*>(out), rows, inter);
    return LastError();
  }
  const int64_t blocks = (total + threads - 1) / threads;
  device::Launch(device::StepOverlap(rows), SiluMulKernel<T>, static_cast<unsigned>(blocks < 4096 ? blocks : 4096),
                 threads, 0, stream, static_cast<const T*>(gate_up), static_cast<T*>(out), rows, inter);
  return LastError();
}

}  // namespace

namespace device {
bool DependentLaunchEnabled() {
  static const bool enabled = [] {
    int device = 0, major = 0;
    return cudaGetDevice(&device) == cudaSuccess &&
           cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess && major >= 9;
  }();
  return enabled;
}
}  // namespace device

const char* LaunchRmsNorm(Dtype dtype, const void* x, const void* residual, void* sum_out, const void* weight,
                          void* out, int64_t rows, int dim, float eps, void* stream) {
  const auto s = static_cast<cudaStream_t>(stream);
  return device::DispatchDtype(
      dtype, [&](auto t) { return RmsNorm<decltype(t)>(x, residual, sum_out, weight, out, rows, dim, eps, s); });
}

const char* LaunchSiluMul(Dtype dtype, const void* gate_up, void* out, int64_t rows, int64_t inter, void* stream) {
  const auto s = static_cast<cudaStream_t>(stream);
  return device::DispatchDtype(dtype, [&](auto t) { return SiluMul<decltype(t)>(gate_up, out, rows, inter, s); });
}

}  // namespace xsd::kernels
