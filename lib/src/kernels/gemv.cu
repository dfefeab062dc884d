// The GEMV kernels of decode and verify steps (bf16, a few rows): each
// weight row is read once for all rows of x, with 16-byte loads, and summed
// in one fixed chain of fused multiply-adds per output, so every variant
// here (rows, features per warp, the SiLU epilogue, the norm prologue) gives
// an output the same bits.
//
// The norm prologue (one row): the RMSNorm that feeds the qkv and gate/up
// projections runs inside their kernel, each block normalising the row into
// shared memory exactly as the norm kernel would (rms_norm.cuh): two
// kernels per decoder layer fewer.
#include <cstdint>
#include <type_traits>

#include "kernel_math.cuh"
#include "llama_kernels.h"
#include "rms_norm.cuh"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Load8;
using device::Round;
using device::Store8;
using device::ToFloat;
using device::kNormThreads;

constexpr int kGemvWarps = 4;
constexpr int kGemvThreads = kGemvWarps * 32;
constexpr int kPlay = kNormThreads / kGemvThreads;  // norm threads each GEMV thread plays

// acc + w . x over one 16-byte chunk (8 bf16 each) as a fixed chain of
// fused multiply-adds.
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

// What the GEMV kernels read of their (constant) weights before
// WaitForPriorGrids, while the kernel before finishes (XSD_GEMV_PREFETCH, A/B
// runs): kNone nothing (the default: 7B decode step 4.25-4.35 vs 4.35-4.42 ms
// with kChunks, docs/PERFORMANCE.md run 9); kChunks prefetches to L2 every
// 16-byte chunk a lane reads in its first four steps (8 lanes share each
// 128-byte line; the default of runs 7-8); kLines one prefetch per line of
// those steps (lanes 0-15); kRegisters loads the first steps of one-row
// launches into registers (EarlySteps; a template argument of the kernels,
// so the other modes keep their register count).
enum PrefetchMode : int { kPrefetchNone = 0, kPrefetchChunks = 1, kPrefetchLines = 2, kPrefetchRegisters = 3 };

// Steps loaded early under kRegisters for kRowsPerWarp weight rows per warp:
// 16 or fewer uint4 registers.
constexpr int EarlySteps(int rows_per_warp) { return rows_per_warp >= 4 ? 1 : 2; }

// Read at each launch, so that tests can switch it (CUDA graphs keep what
// they captured).
int GemvPrefetchMode() {
  return device::EnvIs("XSD_GEMV_PREFETCH", "chunks")  ? kPrefetchChunks
         : device::EnvIs("XSD_GEMV_PREFETCH", "lines") ? kPrefetchLines
         : device::EnvIs("XSD_GEMV_PREFETCH", "regs")  ? kPrefetchRegisters
                                                       : kPrefetchNone;
}

// kRegisters: the weight chunks of each row's first kSteps steps (zero past
// the row's end, never used).
template <int kSteps, int kRows>
__device__ __forceinline__ void LoadEarlySteps(const uint4* const (&rows)[kRows], int lane, int chunks,
                                               uint4 (&early)[kSteps][kRows]) {
#pragma unroll
  for (int s = 0; s < kSteps; ++s) {
    const int c = lane + 32 * s;
#pragma unroll
    for (int r = 0; r < kRows; ++r) early[s][r] = c < chunks ? __ldg(rows[r] + c) : make_uint4(0, 0, 0, 0);
  }
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

// The norm before the projection, device side (RmsNormInput).
struct NormParams {
  const __nv_bfloat16* residual = nullptr;
  __nv_bfloat16* sum_out = nullptr;
  const __nv_bfloat16* weight = nullptr;
  float eps = 0.0f;
};

// One row x [k] (k <= kChunks * kNormThreads * 8) into shared memory xs as
// the norm kernel (RmsNormVecKernel<bf16, kChunks>, LaunchRmsNorm) computes
// it: h = x (+ residual, rounded; block 0 writes it to sum_out), then
// xs = weight * round(h * RmsScale). Each of the block's kGemvThreads threads
// plays kPlay of the norm kernel's threads, the squares summed as those
// threads sum them; h (a bf16 value) waits in xs for the scale. Ends with a
// barrier: xs is ready for every warp.
template <int kChunks>
__device__ __forceinline__ void NormRowToShared(const __nv_bfloat16* __restrict__ x, const NormParams& norm, int k,
                                                __nv_bfloat16* xs) {
  uint4 weight[kPlay][kChunks];  // the norm weight's chunks, read beside x
  float squares[kPlay];
#pragma unroll
  for (int p = 0; p < kPlay; ++p) {
    squares[p] = 0.0f;
    const int t = static_cast<int>(threadIdx.x) + p * kGemvThreads;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      const int i = (c * kNormThreads + t) * 8;
      if (i >= k) continue;
      weight[p][c] = __ldg(reinterpret_cast<const uint4*>(norm.weight + i));
      float h[8];
      Load8(x + i, h);
      if (norm.residual != nullptr) {
        float r[8];
        Load8(norm.residual + i, r);
#pragma unroll
        for (int e = 0; e < 8; ++e) h[e] = Round<__nv_bfloat16>(h[e] + r[e]);
        if (blockIdx.x == 0) Store8(norm.sum_out + i, h);
      }
      device::AddSquares8(squares[p], h);
      Store8(xs + i, h);  // exact: h is a bf16 value
    }
  }
  const float scale = device::RmsScale(device::PlayedBlockSum<kPlay>(squares), k, norm.eps);
#pragma unroll
  for (int p = 0; p < kPlay; ++p) {
    const int t = static_cast<int>(threadIdx.x) + p * kGemvThreads;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      const int i = (c * kNormThreads + t) * 8;
      if (i >= k) continue;
      float h[8], w[8], y[8];
      Load8(xs + i, h);  // this thread's own chunk
      Load8(reinterpret_cast<const __nv_bfloat16*>(&weight[p][c]), w);
#pragma unroll
      for (int e = 0; e < 8; ++e) y[e] = w[e] * Round<__nv_bfloat16>(h[e] * scale);
      Store8(xs + i, y);
    }
  }
  __syncthreads();
}

// Shared memory for the normalised row: kNormChunks * kNormThreads chunks of
// 8 bf16 (one unused chunk without the norm).
template <int kNormChunks>
using NormedRow = uint4[kNormChunks > 0 ? kNormChunks * kNormThreads : 1];

// kF output features per warp (GemvFeaturesPerWarp): lanes stride over the
// weight rows in 16-byte chunks (8 bf16), each chunk multiplied with the same
// chunk of every x row. A feature's sum is the same chain whatever kF and M.
// kNormChunks > 0 (M == 1): x is normalised first (NormRowToShared). kEarly:
// steps loaded before WaitForPriorGrids (kRegisters), else `prefetch`.
template <int M, int kF, int kNormChunks, int kEarly>
__global__ void GemvBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                               __nv_bfloat16* __restrict__ y, int n_out, int k, int prefetch, NormParams norm) {
  static_assert(kNormChunks == 0 || M == 1, "the norm prologue takes one row");
  __shared__ NormedRow<kNormChunks> xs;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int n0 = (blockIdx.x * kGemvWarps + warp) * kF;
  if (kNormChunks == 0 && n0 >= n_out) return;  // with the norm, every thread takes its barriers
  const uint4* wrow[kF];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
    const int n = n0 + f < n_out ? n0 + f : n_out - 1;  // features past n_out repeat the last one, unused
    wrow[f] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(n) * k);
  }
  const int chunks = k / 8;
  // The weights are constant: their first chunks are read (XSD_GEMV_PREFETCH)
  // while the kernel before finishes; x is that kernel's output.
  uint4 early[kEarly > 0 ? kEarly : 1][kF];
  if constexpr (kEarly > 0) {
    LoadEarlySteps<kEarly>(wrow, lane, chunks, early);
  } else {
#pragma unroll
    for (int f = 0; f < kF; ++f) PrefetchFirstSteps(wrow[f], lane, chunks, prefetch);
  }
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  if constexpr (kNormChunks > 0) {
    NormRowToShared<kNormChunks>(x, norm, k, reinterpret_cast<__nv_bfloat16*>(xs));
    if (n0 >= n_out) return;
  }
  const auto x_chunk = [&](int m, int c) -> uint4 {
    if constexpr (kNormChunks > 0) {
      return xs[c];
    } else {
      return __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k) + c);
    }
  };
  float acc[kF][M];
#pragma unroll
  for (int f = 0; f < kF; ++f) {
#pragma unroll
    for (int m = 0; m < M; ++m) acc[f][m] = 0.0f;
  }
  // The same chunk order per lane with or without the early steps.
  int c = lane;
  if constexpr (kEarly > 0) {
#pragma unroll
    for (int s = 0; s < kEarly; ++s, c += 32) {
      if (c >= chunks) break;
#pragma unroll
      for (int m = 0; m < M; ++m) {
        const uint4 xv = x_chunk(m, c);
#pragma unroll
        for (int f = 0; f < kF; ++f) acc[f][m] = Dot8(acc[f][m], early[s][f], xv);
      }
    }
  }
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
// kNormChunks > 0: x is normalised first (NormRowToShared); kEarly as in
// GemvBf16Kernel.
template <int kC, int kNormChunks, int kEarly>
__global__ void GemvSiluGateBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                                       __nv_bfloat16* __restrict__ y, int inter, int k, int prefetch,
                                       NormParams norm) {
  __shared__ NormedRow<kNormChunks> xs;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int c0 = (blockIdx.x * kGemvWarps + warp) * kC;
  if (kNormChunks == 0 && c0 >= inter) return;  // with the norm, every thread takes its barriers
  const uint4* rows[2 * kC];  // gate rows of the kC channels, then their up rows
#pragma unroll
  for (int i = 0; i < kC; ++i) {
    const int c = c0 + i < inter ? c0 + i : inter - 1;  // channels past inter repeat the last one, unused
    rows[i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(c) * k);
    rows[kC + i] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(inter + c) * k);
  }
  const int chunks = k / 8;
  uint4 early[kEarly > 0 ? kEarly : 1][2 * kC];  // constant weights first, as in GemvBf16Kernel
  if constexpr (kEarly > 0) {
    LoadEarlySteps<kEarly>(rows, lane, chunks, early);
  } else {
#pragma unroll
    for (int i = 0; i < 2 * kC; ++i) PrefetchFirstSteps(rows[i], lane, chunks, prefetch);
  }
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  if constexpr (kNormChunks > 0) {
    NormRowToShared<kNormChunks>(x, norm, k, reinterpret_cast<__nv_bfloat16*>(xs));
    if (c0 >= inter) return;
  }
  const auto x_chunk = [&](int j) -> uint4 {
    if constexpr (kNormChunks > 0) {
      return xs[j];
    } else {
      return __ldg(reinterpret_cast<const uint4*>(x) + j);
    }
  };
  float gate[kC], up[kC];
#pragma unroll
  for (int i = 0; i < kC; ++i) gate[i] = up[i] = 0.0f;
  int j = lane;  // the same chunk order per lane with or without the early steps
  if constexpr (kEarly > 0) {
#pragma unroll
    for (int s = 0; s < kEarly; ++s, j += 32) {
      if (j >= chunks) break;
      const uint4 x8 = x_chunk(j);
#pragma unroll
      for (int i = 0; i < kC; ++i) {
        gate[i] = Dot8(gate[i], early[s][i], x8);
        up[i] = Dot8(up[i], early[s][kC + i], x8);
      }
    }
  }
#pragma unroll 4
  for (; j < chunks; j += 32) {
    uint4 gv[kC], uv[kC];
#pragma unroll
    for (int i = 0; i < kC; ++i) {
      gv[i] = __ldg(rows[i] + j);
      uv[i] = __ldg(rows[kC + i] + j);
    }
    const uint4 x8 = x_chunk(j);
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

// The qkv projection of one row with the rotary embedding and the cache
// write in its epilogue (LaunchGemvRopeCacheBf16). Warp j of head h computes
// dims 2j, 2j + 1, half + 2j, half + 2j + 1 of the head (j < D / 4): two
// rotation pairs. Each output is summed as GemvBf16Kernel sums it and rounded
// as it stores it; queries and keys are then rotated as RopeCacheKernel
// rotates them (rope_math.cuh): the same bits as the GEMV followed by the
// rotation + cache-write kernel, one kernel and the [1, (H + 2 KV) D]
// intermediate fewer.
__global__ void GemvRopeCacheKernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w, int k,
                                    int prefetch, RopeCacheArgs a) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int D = a.head_dim, half = D / 2, quarter = D / 4;
  const int slot = blockIdx.x * kGemvWarps + warp;
  const int head = slot / quarter, j = slot - head * quarter;
  if (head >= a.heads + 2 * a.kv_heads) return;
  const int dims[4] = {2 * j, 2 * j + 1, half + 2 * j, half + 2 * j + 1};
  const uint4* wrow[4];
#pragma unroll
  for (int f = 0; f < 4; ++f) {
    wrow[f] = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(head * D + dims[f]) * k);
  }
  const int chunks = k / 8;
#pragma unroll
  for (int f = 0; f < 4; ++f) PrefetchFirstSteps(wrow[f], lane, chunks, prefetch);
  device::WaitForPriorGrids();
  device::AllowDependentGrids();
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 4
  for (int c = lane; c < chunks; c += 32) {
    uint4 wv[4];
#pragma unroll
    for (int f = 0; f < 4; ++f) wv[f] = __ldg(wrow[f] + c);
    const uint4 xv = __ldg(reinterpret_cast<const uint4*>(x) + c);
#pragma unroll
    for (int f = 0; f < 4; ++f) acc[f] = Dot8(acc[f], wv[f], xv);
  }
  float v[4];
#pragma unroll
  for (int f = 0; f < 4; ++f) v[f] = Round<__nv_bfloat16>(WarpSum(acc[f]));  // the GEMV's bf16 output
  if (lane != 0) return;
  __nv_bfloat16* dst;
  if (head < a.heads) {
    dst = static_cast<__nv_bfloat16*>(a.q_out) + static_cast<int64_t>(head) * D;
  } else {
    const int64_t row = a.cache_rows != nullptr ? a.cache_rows[0] : a.base;
    dst = head < a.heads + a.kv_heads
              ? static_cast<__nv_bfloat16*>(a.k_cache) + (head - a.heads) * a.k_stride_h + row * D
              : static_cast<__nv_bfloat16*>(a.v_cache) + (head - a.heads - a.kv_heads) * a.v_stride_h + row * D;
  }
  if (head >= a.heads + a.kv_heads) {  // values: stored as they are
#pragma unroll
    for (int f = 0; f < 4; ++f) dst[dims[f]] = FromFloat<__nv_bfloat16>(v[f]);
    return;
  }
  const auto* cos = static_cast<const __nv_bfloat16*>(a.cos);
  const auto* sin = static_cast<const __nv_bfloat16*>(a.sin);
#pragma unroll
  for (int p = 0; p < 2; ++p) {
    const int lo_dim = dims[p], hi_dim = dims[p + 2];
    float lo, hi;
    device::RotatePair<__nv_bfloat16>(v[p], v[p + 2], ToFloat<__nv_bfloat16>(cos[lo_dim]),
                                      ToFloat<__nv_bfloat16>(sin[lo_dim]), ToFloat<__nv_bfloat16>(cos[hi_dim]),
                                      ToFloat<__nv_bfloat16>(sin[hi_dim]), &lo, &hi);
    dst[lo_dim] = FromFloat<__nv_bfloat16>(lo);
    dst[hi_dim] = FromFloat<__nv_bfloat16>(hi);
  }
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

// Gate/up channel pairs per warp: two (7B decode step 4.37-4.41 vs
// 4.42-4.45 ms with one, docs/PERFORMANCE.md runs 7-8);
// XSD_SILU_GEMV_CHANNELS=1 for A/B runs.
int SiluGateChannelsPerWarp() {
  static const int channels = device::EnvIs("XSD_SILU_GEMV_CHANNELS", "1") ? 1 : 2;
  return channels;
}

unsigned GemvBlocks(int64_t outputs, int per_warp) {
  return static_cast<unsigned>((outputs + kGemvWarps * per_warp - 1) / (kGemvWarps * per_warp));
}

// kRegisters takes the early-steps instantiation for one-row launches.
template <int M, int kF, int kNormChunks = 0>
const char* LaunchGemv(const void* x, const void* w, void* y, int64_t n, int64_t k, const NormParams& norm,
                       cudaStream_t stream) {
  const int prefetch = GemvPrefetchMode();
  constexpr int kEarly = M == 1 ? EarlySteps(kF) : 0;
  auto* kernel = kEarly > 0 && prefetch == kPrefetchRegisters ? GemvBf16Kernel<M, kF, kNormChunks, kEarly>
                                                              : GemvBf16Kernel<M, kF, kNormChunks, 0>;
  return device::Launch(device::Overlap::kWithPrior, kernel, GemvBlocks(n, kF), kGemvThreads, 0, stream,
                        static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(w),
                        static_cast<__nv_bfloat16*>(y), static_cast<int>(n), static_cast<int>(k), prefetch, norm);
}

template <int kC, int kNormChunks>
const char* LaunchSiluGate(const void* x, const void* w, void* y, int64_t inter, int64_t k, const NormParams& norm,
                           cudaStream_t stream) {
  const int prefetch = GemvPrefetchMode();
  constexpr int kEarly = EarlySteps(2 * kC);
  auto* kernel = prefetch == kPrefetchRegisters ? GemvSiluGateBf16Kernel<kC, kNormChunks, kEarly>
                                                : GemvSiluGateBf16Kernel<kC, kNormChunks, 0>;
  return device::Launch(device::Overlap::kWithPrior, kernel, GemvBlocks(inter, kC), kGemvThreads, 0, stream,
                        static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(w),
                        static_cast<__nv_bfloat16*>(y), static_cast<int>(inter), static_cast<int>(k), prefetch,
                        norm);
}

// The one-row launches with the norm chunk count as a template argument:
// fn(std::integral_constant<int, chunks>) for chunks = ceil(k / 2048), 1-4.
template <typename Fn>
const char* DispatchNormChunks(int64_t k, Fn&& fn) {
  switch ((k + kNormThreads * 8 - 1) / (kNormThreads * 8)) {
    case 1: return fn(std::integral_constant<int, 1>{});
    case 2: return fn(std::integral_constant<int, 2>{});
    case 3: return fn(std::integral_constant<int, 3>{});
    case 4: return fn(std::integral_constant<int, 4>{});
  }
  return "norm + gemv: unsupported width";
}

// The norm's device parameters, or the reason they do not fit.
const char* NormParamsFor(const RmsNormInput& in, int64_t k, NormParams* out) {
  if (k < 8 || k % 8 != 0 || k > kNormGemvMaxWidth) return "norm + gemv: unsupported width";
  if (in.weight == nullptr || (in.residual != nullptr && in.sum_out == nullptr)) {
    return "norm + gemv: missing norm weight or sum output";
  }
  if (!device::Aligned16(in.weight) || (in.residual != nullptr && !device::Aligned16(in.residual)) ||
      (in.sum_out != nullptr && !device::Aligned16(in.sum_out))) {
    return "norm + gemv: norm weight, residual and sum must be 16-byte aligned";
  }
  out->residual = static_cast<const __nv_bfloat16*>(in.residual);
  out->sum_out = static_cast<__nv_bfloat16*>(in.sum_out);
  out->weight = static_cast<const __nv_bfloat16*>(in.weight);
  out->eps = in.eps;
  return nullptr;
}

}  // namespace

const char* LaunchGemvBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream) {
  if (m < 1 || m > kGemvMaxRows || k % 8 != 0 || n < 1) return "gemv: unsupported shape";
  // y is written an element at a time: any alignment.
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "gemv: x and w must be 16-byte aligned";
  const auto s = static_cast<cudaStream_t>(stream);
  const NormParams none;
  const char* error = nullptr;
  switch (m) {
    case 1:
      switch (GemvFeaturesPerWarp(n)) {
        case 2: error = LaunchGemv<1, 2>(x, w, y, n, k, none, s); break;
        case 4: error = LaunchGemv<1, 4>(x, w, y, n, k, none, s); break;
        default: error = LaunchGemv<1, 1>(x, w, y, n, k, none, s); break;
      }
      break;
    case 2: error = LaunchGemv<2, 1>(x, w, y, n, k, none, s); break;
    case 3: error = LaunchGemv<3, 1>(x, w, y, n, k, none, s); break;
    case 4: error = LaunchGemv<4, 1>(x, w, y, n, k, none, s); break;
    case 5: error = LaunchGemv<5, 1>(x, w, y, n, k, none, s); break;
    case 6: error = LaunchGemv<6, 1>(x, w, y, n, k, none, s); break;
    case 7: error = LaunchGemv<7, 1>(x, w, y, n, k, none, s); break;
    default: error = LaunchGemv<8, 1>(x, w, y, n, k, none, s); break;
  }
  return error != nullptr ? error : device::LastError();
}

const char* LaunchRmsNormGemvBf16(const void* x, const RmsNormInput& norm, const void* w, void* y, int64_t n,
                                  int64_t k, void* stream) {
  if (n < 1) return "norm + gemv: unsupported shape";
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "norm + gemv: x and w must be 16-byte aligned";
  NormParams params;
  if (const char* error = NormParamsFor(norm, k, &params); error != nullptr) return error;
  const auto s = static_cast<cudaStream_t>(stream);
  const int features = GemvFeaturesPerWarp(n);
  const char* error = DispatchNormChunks(k, [&](auto chunks) {
    constexpr int kChunks = decltype(chunks)::value;
    switch (features) {
      case 2: return LaunchGemv<1, 2, kChunks>(x, w, y, n, k, params, s);
      case 4: return LaunchGemv<1, 4, kChunks>(x, w, y, n, k, params, s);
      default: return LaunchGemv<1, 1, kChunks>(x, w, y, n, k, params, s);
    }
  });
  return error != nullptr ? error : device::LastError();
}

const char* LaunchGemvSiluGateBf16(const void* x, const void* w, void* y, int64_t inter, int64_t k, void* stream) {
  if (inter < 1 || k % 8 != 0) return "gemv silu-gate: unsupported shape";
  if (!device::Aligned16(x) || !device::Aligned16(w) || !device::Aligned16(y)) {
    return "gemv silu-gate: pointers must be 16-byte aligned";
  }
  const auto s = static_cast<cudaStream_t>(stream);
  const NormParams none;
  const char* error = SiluGateChannelsPerWarp() == 2 ? LaunchSiluGate<2, 0>(x, w, y, inter, k, none, s)
                                                     : LaunchSiluGate<1, 0>(x, w, y, inter, k, none, s);
  return error != nullptr ? error : device::LastError();
}

const char* LaunchRmsNormGemvSiluGateBf16(const void* x, const RmsNormInput& norm, const void* w, void* y,
                                          int64_t inter, int64_t k, void* stream) {
  if (inter < 1) return "norm + gemv silu-gate: unsupported shape";
  if (!device::Aligned16(x) || !device::Aligned16(w) || !device::Aligned16(y)) {
    return "norm + gemv silu-gate: pointers must be 16-byte aligned";
  }
  NormParams params;
  if (const char* error = NormParamsFor(norm, k, &params); error != nullptr) return error;
  const auto s = static_cast<cudaStream_t>(stream);
  const int channels = SiluGateChannelsPerWarp();
  const char* error = DispatchNormChunks(k, [&](auto chunks) {
    constexpr int kChunks = decltype(chunks)::value;
    return channels == 2 ? LaunchSiluGate<2, kChunks>(x, w, y, inter, k, params, s)
                         : LaunchSiluGate<1, kChunks>(x, w, y, inter, k, params, s);
  });
  return error != nullptr ? error : device::LastError();
}

const char* LaunchGemvRopeCacheBf16(const void* x, const void* w, int64_t k, const RopeCacheArgs& a, void* stream) {
  if (a.dtype != Dtype::kBFloat16 || a.rows != 1 || a.heads < 1 || a.kv_heads < 1 || a.head_dim < 4 ||
      a.head_dim % 4 != 0 || k < 8 || k % 8 != 0) {
    return "gemv rope cache: unsupported shape";
  }
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "gemv rope cache: x and w must be 16-byte aligned";
  const int64_t warps = static_cast<int64_t>(a.heads + 2 * a.kv_heads) * (a.head_dim / 4);
  const auto blocks = static_cast<unsigned>((warps + kGemvWarps - 1) / kGemvWarps);
  const char* error = device::Launch(device::Overlap::kWithPrior, GemvRopeCacheKernel, blocks, kGemvThreads, 0,
                                     static_cast<cudaStream_t>(stream), static_cast<const __nv_bfloat16*>(x),
                                     static_cast<const __nv_bfloat16*>(w), static_cast<int>(k), GemvPrefetchMode(), a);
  return error != nullptr ? error : device::LastError();
}

}  // namespace xsd::kernels
