#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"

namespace xsd::kernels {
namespace {

using device::BlockSum;
using device::FromFloat;
using device::LastError;
using device::Load8;
using device::Round;
using device::Store8;
using device::ToFloat;

constexpr int kNormThreads = 256;

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
    squares += h * h;
  }
  const float scale = 1.0f / sqrtf(BlockSum(squares) / static_cast<float>(dim) + eps);
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
#pragma unroll
    for (int e = 0; e < 8; ++e) squares += h[c][e] * h[c][e];
  }
  const float scale = 1.0f / sqrtf(BlockSum(squares) / static_cast<float>(dim) + eps);
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

// round(silu(g)) as ATen's silu computes it in float32 for T.
template <typename T>
__device__ __forceinline__ float SiluRounded(float g) {
  return Round<T>(g / (1.0f + expf(-g)));
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
    out[i] = FromFloat<T>(SiluRounded<T>(g) * u);
  }
}

// acc + w . x over one 16-byte chunk (8 bf16 each) as a fixed chain of
// fused multiply-adds: every GEMV kernel here sums a weight row in the same
// order, so the same row gives the same bits in each of them.
__device__ __forceinline__ float Dot8(float acc, const uint4& wv, const uint4& xv) {
  const __nv_bfloat162* wp = reinterpret_cast<const __nv_bfloat162*>(&wv);
  const __nv_bfloat162* xp = reinterpret_cast<const __nv_bfloat162*>(&xv);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 wf = __bfloat1622float2(wp[i]), xf = __bfloat1622float2(xp[i]);
    acc = fmaf(wf.x, xf.x, acc);
    acc = fmaf(wf.y, xf.y, acc);
  }
  return acc;
}

__device__ __forceinline__ float WarpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// How the GEMV kernels warm L2 before WaitForPriorGrids, while the kernel
// before finishes (XSD_GEMV_PREFETCH, A/B runs): kChunks (the default,
// measured in runs 7-8) prefetches every 16-byte chunk a lane reads in its
// first four steps (8 lanes share each 128-byte line); kLines one prefetch per
// line of those steps (lanes 0-15); kNone none.
enum PrefetchMode : int { kPrefetchNone = 0, kPrefetchChunks = 1, kPrefetchLines = 2 };

int GemvPrefetchMode() {
  static const int mode = device::EnvIs("XSD_GEMV_PREFETCH", "none")    ? kPrefetchNone
                          : device::EnvIs("XSD_GEMV_PREFETCH", "lines") ? kPrefetchLines
                                                                        : kPrefetchChunks;
  return mode;
}

// The first four 32-chunk steps of a weight row (the GEMV loops stride by 32
// chunks of 16 bytes), into L2 as `mode` says.
__device__ __forceinline__ void PrefetchFirstSteps(const uint4* row, int lane, int chunks, int mode) {
  if (mode == kPrefetchChunks) {
    for (int c = lane; c < chunks && c < lane + 4 * 32; c += 32) device::PrefetchL2(row + c);
  } else if (mode == kPrefetchLines && lane < 16) {
    const int c = (lane >> 2) * 32 + (lane & 3) * 8;  // step lane / 4, line lane % 4 of its 512 bytes
    if (c < chunks) device::PrefetchL2(row + c);
  }
}

// kF output features per warp (GemvFeaturesPerWarp): lanes stride over the
// weight rows in 16-byte chunks (8 bf16), each chunk multiplied with the same
// chunk of every x row. A feature's sum is the same chain whatever kF and M.
template <int M, int kF>
__global__ void GemvBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                               __nv_bfloat16* __restrict__ y, int n_out, int k, int prefetch) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int n0 = (blockIdx.x * (blockDim.x >> 5) + warp) * kF;
  if (n0 >= n_out) return;
  const uint4* wrow[kF];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
    const int n = n0 + f < n_out ? n0 + f : n_out - 1;  // features past n_out repeat the last one, unused
    wrow[f] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(n) * k);
  }
  const int chunks = k / 8;
  // The weights are constant: their first chunks head for L2 while the
  // kernel before finishes; x is that kernel's output.
#pragma unroll
  for (int f = 0; f < kF; ++f) PrefetchFirstSteps(wrow[f], lane, chunks, prefetch);
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  float acc[kF][M];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
#pragma unroll
    for (int m = 0; m < M; ++m) acc[f][m] = 0.0f;
  }
#pragma unroll 4
  for (int c = lane; c < chunks; c += 32) {
    uint4 wv[kF];
#pragma unroll
    for (int f = 0; f < kF; ++f) wv[f] = __ldg(wrow[f] + c);
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k) + c);
#pragma unroll
      for (int f = 0; f < kF; ++f) acc[f][m] = Dot8(acc[f][m], wv[f], xv);
    }
  }
#pragma unroll
  for (int f = 0; f < kF; ++f) {
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const float v = WarpSum(acc[f][m]);
      if (lane == 0 && n0 + f < n_out) y[static_cast<int64_t>(m) * n_out + n0 + f] = __float2bfloat16_rn(v);
    }
  }
}

// The LLaMA MLP's first half at one row: gate_up weight [2 * inter, k]
// (gate rows, then up rows); a warp computes gate rows c and up rows
// inter + c of kC channels c together (x loaded once) and writes
// round(silu(gate)) * up, rounded as
// GemvBf16Kernel + SiluMulKernel round: the same bits, one kernel less and
// no [2 * inter] intermediate.
template <int kC>
__global__ void GemvSiluGateBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                                       __nv_bfloat16* __restrict__ y, int inter, int k, int prefetch) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int c0 = (blockIdx.x * (blockDim.x >> 5) + warp) * kC;
  if (c0 >= inter) return;
  const uint4* gate_row[kC];
  const uint4* up_row[kC];
#pragma unroll
  for (int i = 0; i < kC; ++i) {
    const int c = c0 + i < inter ? c0 + i : inter - 1;  // channels past inter repeat the last one, unused
    gate_row[i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(c) * k);
    up_row[i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(inter + c) * k);
  }
  const uint4* xv = reinterpret_cast<const uint4*>(x);
  const int chunks = k / 8;
#pragma unroll
  for (int i = 0; i < kC; ++i) {  // constant weights first, as in GemvBf16Kernel
    PrefetchFirstSteps(gate_row[i], lane, chunks, prefetch);
    PrefetchFirstSteps(up_row[i], lane, chunks, prefetch);
  }
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  float gate[kC], up[kC];
#pragma unroll
  for (int i = 0; i < kC; ++i) gate[i] = up[i] = 0.0f;
#pragma unroll 4
  for (int j = lane; j < chunks; j += 32) {
    uint4 gv[kC], uv[kC];
#pragma unroll
    for (int i = 0; i < kC; ++i) {
      gv[i] = __ldg(gate_row[i] + j);
      uv[i] = __ldg(up_row[i] + j);
    }
    const uint4 x8 = __ldg(xv + j);
#pragma unroll
    for (int i = 0; i < kC; ++i) {
      gate[i] = Dot8(gate[i], gv[i], x8);
      up[i] = Dot8(up[i], uv[i], x8);
    }
  }
#pragma unroll
  for (int i = 0; i < kC; ++i) {
    const float g = Round<__nv_bfloat16>(WarpSum(gate[i]));
    const float u = Round<__nv_bfloat16>(WarpSum(up[i]));
    if (lane == 0 && c0 + i < inter) y[c0 + i] = FromFloat<__nv_bfloat16>(SiluRounded<__nv_bfloat16>(g) * u);
  }
}

template <int M, int kF = 1>
void LaunchGemv(const void* x, const void* w, void* y, int64_t n, int64_t k, cudaStream_t stream) {
  constexpr int kWarps = 4;
  const unsigned blocks = static_cast<unsigned>((n + kWarps * kF - 1) / (kWarps * kF));
  device::Launch(device::Overlap::kWithPrior, GemvBf16Kernel<M, kF>, blocks, kWarps * 32, 0, stream,
                 static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(w),
                 static_cast<__nv_bfloat16*>(y), static_cast<int>(n), static_cast<int>(k), GemvPrefetchMode());
}

// Output features per warp at one row: 4 for wide outputs (n >= 8192: the
// qkv projection, the LM head; 3.78 vs 3.52 TB/s for the 7B qkv), else 1 (a
// 4096-wide output then has too few warps: down 2.88 vs 3.43 TB/s);
// docs/PERFORMANCE.md run 7. XSD_GEMV_FEATURES=1|2|4 forces one (A/B runs).
int GemvFeaturesPerWarp(int64_t n) {
  static const int forced = device::EnvIs("XSD_GEMV_FEATURES", "1")   ? 1
                            : device::EnvIs("XSD_GEMV_FEATURES", "2") ? 2
                            : device::EnvIs("XSD_GEMV_FEATURES", "4") ? 4
                                                                      : 0;
  if (forced != 0) return forced;
  return n >= 8192 ? 4 : 1;
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
  const int64_t blocks = (total + threads - 1) / threads;
  device::Launch(device::StepOverlap(rows), SiluMulKernel<T>, static_cast<unsigned>(blocks < 4096 ? blocks : 4096),
                 threads, 0, stream, static_cast<const T*>(gate_up), static_cast<T*>(out), rows, inter);
  return LastError();
}

}  // namespace

namespace device {
bool DependentLaunchEnabled() {
  static const bool enabled = [] {
    if (EnvIs("XSD_PDL", "0")) return false;
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

const char* LaunchGemvBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream) {
  if (m < 1 || m > kGemvMaxRows || k % 8 != 0 || n < 1) return "gemv: unsupported shape";
  // y is written an element at a time: any alignment.
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "gemv: x and w must be 16-byte aligned";
  const auto s = static_cast<cudaStream_t>(stream);
  switch (m) {
    case 1:
      switch (GemvFeaturesPerWarp(n)) {
        case 2: LaunchGemv<1, 2>(x, w, y, n, k, s); break;
        case 4: LaunchGemv<1, 4>(x, w, y, n, k, s); break;
        default: LaunchGemv<1>(x, w, y, n, k, s); break;
      }
      break;
    case 2: LaunchGemv<2>(x, w, y, n, k, s); break;
    case 3: LaunchGemv<3>(x, w, y, n, k, s); break;
    case 4: LaunchGemv<4>(x, w, y, n, k, s); break;
    case 5: LaunchGemv<5>(x, w, y, n, k, s); break;
    case 6: LaunchGemv<6>(x, w, y, n, k, s); break;
    case 7: LaunchGemv<7>(x, w, y, n, k, s); break;
    default: LaunchGemv<8>(x, w, y, n, k, s); break;
  }
  return LastError();
}

const char* LaunchGemvSiluGateBf16(const void* x, const void* w, void* y, int64_t inter, int64_t k, void* stream) {
  if (inter < 1 || k % 8 != 0) return "gemv silu-gate: unsupported shape";
  if (!device::Aligned16(x) || !device::Aligned16(w) || !device::Aligned16(y)) {
    return "gemv silu-gate: pointers must be 16-byte aligned";
  }
  // Two gate/up channel pairs per warp (7B decode step 4.37-4.41 vs
  // 4.42-4.45 ms with one, docs/PERFORMANCE.md runs 7-8);
  // XSD_SILU_GEMV_CHANNELS=1 for A/B runs.
  static const int channels = device::EnvIs("XSD_SILU_GEMV_CHANNELS", "1") ? 1 : 2;
  constexpr int kWarps = 4;
  const auto blocks = static_cast<unsigned>((inter + kWarps * channels - 1) / (kWarps * channels));
  const auto* xb = static_cast<const __nv_bfloat16*>(x);
  const auto* wb = static_cast<const __nv_bfloat16*>(w);
  auto* yb = static_cast<__nv_bfloat16*>(y);
  const auto s = static_cast<cudaStream_t>(stream);
  if (channels == 2) {
    device::Launch(device::Overlap::kWithPrior, GemvSiluGateBf16Kernel<2>, blocks, kWarps * 32, 0, s, xb, wb, yb,
                   static_cast<int>(inter), static_cast<int>(k), GemvPrefetchMode());
  } else {
    device::Launch(device::Overlap::kWithPrior, GemvSiluGateBf16Kernel<1>, blocks, kWarps * 32, 0, s, xb, wb, yb,
                   static_cast<int>(inter), static_cast<int>(k), GemvPrefetchMode());
  }
  return LastError();
}

const char* LaunchSiluMul(Dtype dtype, const void* gate_up, void* out, int64_t rows, int64_t inter, void* stream) {
  const auto s = static_cast<cudaStream_t>(stream);
  return device::DispatchDtype(dtype, [&](auto t) { return SiluMul<decltype(t)>(gate_up, out, rows, inter, s); });
}

}  // namespace xsd::kernels
