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
// fused multiply-adds. (Unpacking the words with integer shifts instead of
// the intrinsic, the same floats, made the fast 7B step 5.72 ms instead of
// 5.61 on an H100: docs/PERFORMANCE.md run 15.)
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

}  // namespace xsd::kernels::gemv
