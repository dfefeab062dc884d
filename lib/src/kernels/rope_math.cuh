// The rotary embedding's arithmetic, shared by the rotation + cache-write
// kernel (rope_cache.cu) and the qkv GEMV that rotates in its epilogue
// (gemv_rope.cu), written once so that both give the same bits. It follows the
// ATen formula x * cos + rotate_half(x) * sin in the tensor dtype: each
// product rounded, then their sum rounded (explicit _rn intrinsics: no fused
// multiply-add, so float32 matches too). Only .cu files include this.
#pragma once

#include <cstdint>

#include "kernel_math.cuh"
#include "llama_kernels.h"

namespace xsd::kernels::device {

// Dimension i < half and its partner i + half of one head: x1 = x[i],
// x2 = x[i + half] (values of T), the cos/sin table entries at i and
// i + half; *lo and *hi are the rotated values (float, to be stored as T).
template <typename T>
__device__ __forceinline__ void RotatePair(float x1, float x2, float cos_lo, float sin_lo, float cos_hi, float sin_hi,
                                           float* lo, float* hi) {
  *lo = __fadd_rn(Round<T>(__fmul_rn(x1, cos_lo)), Round<T>(__fmul_rn(-x2, sin_lo)));
  *hi = __fadd_rn(Round<T>(__fmul_rn(x2, cos_hi)), Round<T>(__fmul_rn(x1, sin_hi)));
}

// Where head `head` of row t goes: the query output, or its cache row.
template <typename T>
__device__ __forceinline__ T* RopeDestination(const RopeCacheArgs& a, int head, int t) {
  if (head < a.heads) return static_cast<T*>(a.q_out) + (static_cast<int64_t>(t) * a.heads + head) * a.head_dim;
  const int64_t row = a.cache_rows != nullptr ? a.cache_rows[t] : a.base + t;
  return head < a.heads + a.kv_heads
             ? static_cast<T*>(a.k_cache) + (head - a.heads) * a.k_stride_h + row * a.head_dim
             : static_cast<T*>(a.v_cache) + (head - a.heads - a.kv_heads) * a.v_stride_h + row * a.head_dim;
}

}  // namespace xsd::kernels::device
