// The GEMV kernels of decode and verify steps (bf16, a few rows): each
// weight row is read once for all rows of x, with 16-byte loads, and summed
// in one fixed chain of fused multiply-adds per output, so every variant
// here (rows, features per warp, the SiLU epilogue) gives an output the same
// bits. The qkv projection with the rotary epilogue is in gemv_rope.cu; the
// shared pieces in gemv_common.cuh.
#include <cstdint>
#include <type_traits>

#include "gemv_common.cuh"
#include "kernel_math.cuh"
#include "llama_kernels.h"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Round;
using namespace gemv;  // NOLINT: the shared GEMV pieces

// kF output features per warp (GemvFeaturesPerWarp): lanes stride over the
// weight rows in 16-byte chunks (8 bf16), each chunk multiplied with the same
// chunk of every x row. A feature's sum is the same chain whatever kF and M.
// Nothing is read before WaitForPriorGrids: prefetching the first weight
// steps there (into L2 or registers) was slower (7B decode step 4.349 vs
// 4.415 ms, docs/PERFORMANCE.md run 9). kGroup > 4: the steps are loaded
// kGroup at a time before their sums (16 loads of 16 bytes issued together
// per lane at kF = 1; LaunchGemv), then kThenGroup at a time where > 4, the
// rest 4 at a time; the same chain per feature either way. (ptxas keeps
// fewer in flight: the kF = 1 forms use 34-44 registers.)
template <int M, int kF, int kGroup = 4, int kThenGroup = 0>
__global__ void GemvBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                               __nv_bfloat16* __restrict__ y, int n_out, int k) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int n0 = (blockIdx.x * kGemvWarps + warp) * kF;
  if (n0 >= n_out) return;
  const uint4* wrow[kF];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
    const int n = n0 + f < n_out ? n0 + f : n_out - 1;  // features past n_out repeat the last one, unused
    wrow[f] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(n) * k);
  }
  const int chunks = k / 8;
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  const auto x_chunk = [&](int m, int c) -> uint4 {
    return __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k) + c);
  };
  float acc[kF][M];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
#pragma unroll
    for (int m = 0; m < M; ++m) acc[f][m] = 0.0f;
  }
  int c = lane;
  // kGroup steps at a time, then kThenGroup (the down projection's 43 steps
  // per lane at k = 11 008: 32 + 8, and 3 in the loop below).
  const auto grouped = [&](auto group_size) {
    constexpr int kG = decltype(group_size)::value;
    for (; c + 32 * (kG - 1) < chunks; c += 32 * kG) {
      uint4 wv[kG][kF];
#pragma unroll
      for (int s = 0; s < kG; ++s) {
#pragma unroll
        for (int f = 0; f < kF; ++f) wv[s][f] = __ldg(wrow[f] + c + 32 * s);
      }
#pragma unroll
      for (int s = 0; s < kG; ++s) {
#pragma unroll
        for (int m = 0; m < M; ++m) {
          const uint4 xv = x_chunk(m, c + 32 * s);
#pragma unroll
          for (int f = 0; f < kF; ++f) acc[f][m] = Dot8(acc[f][m], wv[s][f], xv);
        }
      }
    }
  };
  if constexpr (kGroup > 4) grouped(std::integral_constant<int, kGroup>{});
  if constexpr (kThenGroup > 4) grouped(std::integral_constant<int, kThenGroup>{});
#pragma unroll 4
  for (; c < chunks; c += 32) {
    uint4 wv[kF];
#pragma unroll
    for (int f = 0; f < kF; ++f) wv[f] = __ldg(wrow[f] + c);
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const uint4 xv = x_chunk(m, c);
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
// round(silu(gate)) * up, rounded as GemvBf16Kernel + SiluMulKernel round:
// the same bits, one kernel less and no [2 * inter] intermediate.
template <int kC>
__global__ void GemvSiluGateBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                                       __nv_bfloat16* __restrict__ y, int inter, int k) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int c0 = (blockIdx.x * kGemvWarps + warp) * kC;
  if (c0 >= inter) return;
  const uint4* rows[2 * kC];  // gate rows of the kC channels, then their up rows
#pragma unroll
  for (int i = 0; i < kC; ++i) {
    const int c = c0 + i < inter ? c0 + i : inter - 1;  // channels past inter repeat the last one, unused
    rows[i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(c) * k);
    rows[kC + i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(inter + c) * k);
  }
  const int chunks = k / 8;
  device::WaitForPriorGrids();  // nothing read before, as in GemvBf16Kernel
  device::AllowDependentGrids();
  float gate[kC], up[kC];
#pragma unroll
  for (int i = 0; i < kC; ++i) gate[i] = up[i] = 0.0f;
#pragma unroll 4
  for (int j = lane; j < chunks; j += 32) {
    uint4 gv[kC], uv[kC];
#pragma unroll
    for (int i = 0; i < kC; ++i) {
      gv[i] = __ldg(rows[i] + j);
      uv[i] = __ldg(rows[kC + i] + j);
    }
    const uint4 x8 = __ldg(reinterpret_cast<const uint4*>(x) + j);
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
    if (lane == 0 && c0 + i < inter) {
      y[c0 + i] = FromFloat<__nv_bfloat16>(device::SiluRounded<__nv_bfloat16>(g) * u);
    }
  }
}

// Output features per warp at one row: 4 for wide outputs (n >= 8192: the
// qkv projection, the LM head; 3.78 vs 3.52 TB/s for the 7B qkv), else 1 (a
// 4096-wide output then has too few warps: down 2.88 vs 3.43 TB/s);
// docs/PERFORMANCE.md run 7.
int GemvFeaturesPerWarp(int64_t n) { return n >= 8192 ? 4 : 1; }

// Gate/up channel pairs per warp: two (7B decode step 4.37-4.41 vs
// 4.42-4.45 ms with one, docs/PERFORMANCE.md runs 7-8).
constexpr int kSiluGateChannels = 2;

unsigned GemvBlocks(int64_t outputs, int per_warp) {
  return static_cast<unsigned>((outputs + kGemvWarps * per_warp - 1) / (kGemvWarps * per_warp));
}

// Weight steps loaded together per lane at kF features per warp: 16 / kF,
// so that every form has 16 loads of 16 bytes in flight per lane (the qkv
// and gate/up GEMVs had 16, the 4096-wide o and down GEMVs 4 and streamed at
// 2.6 and 3.4 TB/s under ncu; 7B decode step 4.219 vs 4.354 ms,
// docs/PERFORMANCE.md run 10), then 8 / kF at a time before the last steps
// (4.217 vs 4.279 ms, run 11). At kF = 4 that is the plain 4-step loop.
template <int M, int kF>
const char* LaunchGemv(const void* x, const void* w, void* y, int64_t n, int64_t k, cudaStream_t stream) {
  constexpr int kDeep = 16 / kF;
  constexpr int kGroup = kDeep > 4 ? kDeep : 4, kThenGroup = kDeep > 4 ? kDeep / 2 : 0;
  return device::Launch(device::Overlap::kWithPrior, GemvBf16Kernel<M, kF, kGroup, kThenGroup>, GemvBlocks(n, kF),
                        kGemvThreads, 0, stream, static_cast<const __nv_bfloat16*>(x),
                        static_cast<const __nv_bfloat16*>(w), static_cast<__nv_bfloat16*>(y), static_cast<int>(n),
                        static_cast<int>(k));
}

}  // namespace

const char* LaunchGemvBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream) {
  if (m < 1 || m > kGemvMaxRows || k % 8 != 0 || n < 1) return "gemv: unsupported shape";
  // y is written an element at a time: any alignment.
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "gemv: x and w must be 16-byte aligned";
  const auto s = static_cast<cudaStream_t>(stream);
  const char* error = nullptr;
  switch (m) {
    case 1:
      error = GemvFeaturesPerWarp(n) == 4 ? LaunchGemv<1, 4>(x, w, y, n, k, s) : LaunchGemv<1, 1>(x, w, y, n, k, s);
      break;
    case 2: error = LaunchGemv<2, 1>(x, w, y, n, k, s); break;
    case 3: error = LaunchGemv<3, 1>(x, w, y, n, k, s); break;
    case 4: error = LaunchGemv<4, 1>(x, w, y, n, k, s); break;
    case 5: error = LaunchGemv<5, 1>(x, w, y, n, k, s); break;
    case 6: error = LaunchGemv<6, 1>(x, w, y, n, k, s); break;
    case 7: error = LaunchGemv<7, 1>(x, w, y, n, k, s); break;
    default: error = LaunchGemv<8, 1>(x, w, y, n, k, s); break;
  }
  return error != nullptr ? error : device::LastError();
}

const char* LaunchGemvSiluGateBf16(const void* x, const void* w, void* y, int64_t inter, int64_t k, void* stream) {
  if (inter < 1 || k % 8 != 0) return "gemv silu-gate: unsupported shape";
  if (!device::Aligned16(x) || !device::Aligned16(w) || !device::Aligned16(y)) {
    return "gemv silu-gate: pointers must be 16-byte aligned";
  }
  const char* error = device::Launch(device::Overlap::kWithPrior, GemvSiluGateBf16Kernel<kSiluGateChannels>,
                                     GemvBlocks(inter, kSiluGateChannels), kGemvThreads, 0,
                                     static_cast<cudaStream_t>(stream), static_cast<const __nv_bfloat16*>(x),
                                     static_cast<const __nv_bfloat16*>(w), static_cast<__nv_bfloat16*>(y),
                                     static_cast<int>(inter), static_cast<int>(k));
  return error != nullptr ? error : device::LastError();
}

}  // namespace xsd::kernels
