// What the GEMV kernels share (gemv.cu: plain and SiLU-gate forms;
// gemv_rope.cu: the qkv projection with the rotary epilogue): the block
// shape, the per-chunk dot product whose fixed FMA order makes every form
// give an output the same bits, and the warp sum. Only the GEMV .cu files
// include this.
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

}  // namespace xsd::kernels::gemv
