// What the GEMV kernels share (gemv.cu: plain, SiLU-gate and norm-prologue
// forms; gemv_rope.cu: the qkv projection with the rotary epilogue): the
// block shape, the per-chunk dot product whose fixed FMA order makes every
// form give an output the same bits, the warp sum, and how weights are read
// before the PDL wait. Only the GEMV .cu files include this.
#pragma once

#include <cstdint>

#include "kernel_math.cuh"

namespace xsd::kernels::gemv {

inline constexpr int kGemvWarps = 4;
inline constexpr int kGemvThreads = kGemvWarps * 32;

// acc + w . x over one 16-byte chunk (8 bf16 each) as a fixed chain of
// fused multiply-adds. Built with XSD_GEMV_SHIFT_UNPACK (an experiment,
// tools/gpu/gemv_unpack_ab.sh): the bf16 words unpacked with plain integer
// operations instead of the intrinsic's inline assembly — the same floats
// (a bf16 is the top half of its float), so the same bits — which the
// compiler can share between the products reading one word: in the PTX
// the intrinsic is repeated for every product (~2 conversion blocks per
// FMA at M = 5 rows, as at M = 1), the shifts are not (1.2 per FMA).
__device__ __forceinline__ float Dot8(float acc, const uint4& wv, const uint4& xv) {
#ifdef XSD_GEMV_SHIFT_UNPACK
  const uint32_t w[4] = {wv.x, wv.y, wv.z, wv.w}, x[4] = {xv.x, xv.y, xv.z, xv.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    acc = fmaf(__uint_as_float(w[i] << 16), __uint_as_float(x[i] << 16), acc);
    acc = fmaf(__uint_as_float(w[i] & 0xffff0000u), __uint_as_float(x[i] & 0xffff0000u), acc);
  }
#else
  const __nv_bfloat162* wp = reinterpret_cast<const __nv_bfloat162*>(&wv);
  const __nv_bfloat162* xp = reinterpret_cast<const __nv_bfloat162*>(&xv);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 wf = __bfloat1622float2(wp[i]), xf = __bfloat1622float2(xp[i]);
    acc = fmaf(wf.x, xf.x, acc);
    acc = fmaf(wf.y, xf.y, acc);
  }
#endif
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
inline int GemvPrefetchMode() {
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

}  // namespace xsd::kernels::gemv
