// The GEMV kernels of decode and verify steps (bf16, a few rows): each
// weight row is read once for all rows of x, with 16-byte loads, and summed
// in one fixed chain of fused multiply-adds per output, so every variant
// here (rows, features per warp, the SiLU epilogue, the norm prologue) gives
// an output the same bits.
//
// The norm prologue (one row; NormThenGemv, opt-in in the LLaMA layers): the
// RMSNorm that feeds the qkv and gate/up projections runs inside their
// kernel, each block normalising the row into shared memory exactly as the
// norm kernel would (rms_norm.cuh). The qkv projection with the rotary
// epilogue is in gemv_rope.cu; the shared pieces in gemv_common.cuh.
#include <cstdint>
#include <type_traits>

#include "gemv_common.cuh"
#include "kernel_math.cuh"
#include "llama_kernels.h"
#include "rms_norm.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Load8;
using device::Round;
using device::Store8;
using device::kNormThreads;
using namespace gemv;  // NOLINT: the shared GEMV pieces

constexpr int kPlay = kNormThreads / kGemvThreads;  // norm threads each GEMV thread plays

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
// kGroup > 4: the steps are loaded kGroup at a time before their sums (16
// loads of 16 bytes issued together per lane at kF = 1; GemvDeepLoads), then
// kThenGroup at a time where > 4, the rest 4 at a time; the same chain per
// feature either way. (ptxas keeps fewer in flight: the kF = 1 forms use
// 34-44 registers.)
template <int M, int kF, int kNormChunks, int kEarly, int kGroup = 4, int kThenGroup = 0>
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

// Output features per warp at one row: 4 for wide outputs (n >= 8192: the
// qkv projection, the LM head; 3.78 vs 3.52 TB/s for the 7B qkv), else 1 (a
// 4096-wide output then has too few warps: down 2.88 vs 3.43 TB/s);
// docs/PERFORMANCE.md run 7. XSD_GEMV_FEATURES=1|2|4 forces one for every
// width, XSD_GEMV_FEATURES_WIDE=1|2|4 for the wide outputs only (A/B runs:
// in run 9 the qkv GEMV streamed at 3.3 TB/s against gate/up's 4.0).
int FeaturesSwitch(const char* name) {
  return device::EnvIs(name, "1") ? 1 : device::EnvIs(name, "2") ? 2 : device::EnvIs(name, "4") ? 4 : 0;
}

int GemvFeaturesPerWarp(int64_t n) {
  static const int forced = FeaturesSwitch("XSD_GEMV_FEATURES");
  static const int wide = FeaturesSwitch("XSD_GEMV_FEATURES_WIDE");
  if (forced != 0) return forced;
  if (n >= 8192) return wide != 0 ? wide : 4;
  return 1;
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

// Weight steps loaded together per lane at kF features per warp: 16 / kF,
// so that every form has 16 loads of 16 bytes in flight per lane (the qkv
// and gate/up GEMVs had 16, the 4096-wide o and down GEMVs 4 and streamed at
// 2.6 and 3.4 TB/s under ncu; docs/PERFORMANCE.md run 10), then 8 / kF
// at a time before the last steps (run 11). For A/B runs XSD_GEMV_DEEP=0
// keeps 4 steps (kDeepOff), XSD_GEMV_DEEP=flat drops the second group size
// (kDeepFlat).
enum DeepLoads : int { kDeepOff = 0, kDeepFlat = 1, kDeepTwoGroups = 2 };
DeepLoads GemvDeepLoads() {
  static const DeepLoads mode = device::EnvIs("XSD_GEMV_DEEP", "0")      ? kDeepOff
                                : device::EnvIs("XSD_GEMV_DEEP", "flat") ? kDeepFlat
                                                                         : kDeepTwoGroups;
  return mode;
}

// kRegisters takes the early-steps instantiation for one-row launches.
template <int M, int kF, int kNormChunks = 0>
const char* LaunchGemv(const void* x, const void* w, void* y, int64_t n, int64_t k, const NormParams& norm,
                       cudaStream_t stream) {
  const int prefetch = GemvPrefetchMode();
  constexpr int kEarly = M == 1 ? EarlySteps(kF) : 0;
  constexpr int kDeep = 16 / kF;
  const DeepLoads deep = kDeep > 4 ? GemvDeepLoads() : kDeepOff;
  auto* kernel = kEarly > 0 && prefetch == kPrefetchRegisters ? GemvBf16Kernel<M, kF, kNormChunks, kEarly>
                 : deep == kDeepTwoGroups ? GemvBf16Kernel<M, kF, kNormChunks, 0, kDeep, kDeep / 2>
                 : deep == kDeepFlat      ? GemvBf16Kernel<M, kF, kNormChunks, 0, kDeep>
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

}  // namespace xsd::kernels
