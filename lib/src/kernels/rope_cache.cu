// Rotary embedding of the new rows' queries and keys, fused with the KV cache
// write: one kernel reads the qkv projection once, writes the rotated queries
// to a contiguous [T, H, D] tensor and the rotated keys and the values
// straight into their cache rows. Replaces ~8 ATen kernels per layer (the
// rotation's narrow/neg/cat/mul/mul/add, two cache copies).
//
// Rounding follows the ATen formula it replaces (rope_math.cuh). A decode
// row of bf16 takes the qkv GEMV that rotates in its epilogue instead
// (gemv_rope.cu, LaunchGemvRopeCacheBf16): the same arithmetic.
//
// Two forms, the same bits: where every row and head is 16-byte aligned and
// half a head a multiple of 8 elements (LLaMA's 128), RopeCacheVecKernel
// gives each thread 8 rotation pairs with 16-byte loads and stores, in a
// flat grid over (row, head, 8 pairs); else RopeCacheKernel, one block per
// (head, row) and one pair per thread. At a 2 076-token prefill of the 7B
// the one-pair form took 122 us per layer (0.8 TB/s; docs/PERFORMANCE.md
// run 10), the 8-pair form is bandwidth-bound.
#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::RopeDestination;
using device::ToFloat;

template <typename T>
__global__ void RopeCacheKernel(RopeCacheArgs a) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (a.rows <= device::kStepRows) device::AllowDependentGrids();
  const int head = blockIdx.x, t = blockIdx.y, D = a.head_dim, half = D / 2;
  const T* x = static_cast<const T*>(a.qkv) + t * a.qkv_stride_t + static_cast<int64_t>(head) * D;
  T* dst = RopeDestination<T>(a, head, t);
  if (head >= a.heads + a.kv_heads) {  // values: copied as they are
    for (int d = threadIdx.x; d < D; d += blockDim.x) dst[d] = x[d];
    return;
  }
  const T* cos = static_cast<const T*>(a.cos) + static_cast<int64_t>(t) * D;
  const T* sin = static_cast<const T*>(a.sin) + static_cast<int64_t>(t) * D;
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    float lo, hi;
    device::RotatePair<T>(ToFloat<T>(x[i]), ToFloat<T>(x[i + half]), ToFloat<T>(cos[i]), ToFloat<T>(sin[i]),
                          ToFloat<T>(cos[i + half]), ToFloat<T>(sin[i + half]), &lo, &hi);
    dst[i] = FromFloat<T>(lo);
    dst[i + half] = FromFloat<T>(hi);
  }
}

// Unit u of a row: dims [8 j, 8 j + 8) and their partners half + 8 j... of
// head u / (half / 8), j = u % (half / 8). The pairs' arithmetic is
// RopeCacheKernel's, element by element.
template <typename T>
__global__ void RopeCacheVecKernel(RopeCacheArgs a) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (a.rows <= device::kStepRows) device::AllowDependentGrids();
  const int half = a.head_dim / 2, per_head = half / 8, heads = a.heads + 2 * a.kv_heads;
  const int per_row = heads * per_head;
  const int64_t total = static_cast<int64_t>(a.rows) * per_row;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int t = static_cast<int>(idx / per_row), u = static_cast<int>(idx - static_cast<int64_t>(t) * per_row);
    const int head = u / per_head, i = (u - head * per_head) * 8;
    const T* x = static_cast<const T*>(a.qkv) + t * a.qkv_stride_t + static_cast<int64_t>(head) * a.head_dim;
    T* dst = RopeDestination<T>(a, head, t);
    float lo[8], hi[8];
    device::Load8(x + i, lo);
    device::Load8(x + half + i, hi);
    if (head < a.heads + a.kv_heads) {
      const T* cos = static_cast<const T*>(a.cos) + static_cast<int64_t>(t) * a.head_dim;
      const T* sin = static_cast<const T*>(a.sin) + static_cast<int64_t>(t) * a.head_dim;
      float c_lo[8], s_lo[8], c_hi[8], s_hi[8];
      device::Load8(cos + i, c_lo);
      device::Load8(sin + i, s_lo);
      device::Load8(cos + half + i, c_hi);
      device::Load8(sin + half + i, s_hi);
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        const float x1 = lo[e], x2 = hi[e];
        device::RotatePair<T>(x1, x2, c_lo[e], s_lo[e], c_hi[e], s_hi[e], &lo[e], &hi[e]);
      }
    }  // values: copied as they are (T -> float -> T is exact)
    device::Store8(dst + i, lo);
    device::Store8(dst + half + i, hi);
  }
}

template <typename T>
bool VectorShape(const RopeCacheArgs& a) {
  constexpr int kPer16 = static_cast<int>(16 / sizeof(T));
  return (a.head_dim / 2) % 8 == 0 && a.qkv_stride_t % kPer16 == 0 && a.k_stride_h % kPer16 == 0 &&
         a.v_stride_h % kPer16 == 0 && device::Aligned16(a.qkv) && device::Aligned16(a.cos) &&
         device::Aligned16(a.sin) && device::Aligned16(a.q_out) && device::Aligned16(a.k_cache) &&
         device::Aligned16(a.v_cache);
}

template <typename T>
const char* Launch(const RopeCacheArgs& a, cudaStream_t stream) {
  if (VectorShape<T>(a)) {
    const int64_t units = static_cast<int64_t>(a.rows) * (a.heads + 2 * a.kv_heads) * (a.head_dim / 16);
    const int threads = 256;
    const int64_t blocks = (units + threads - 1) / threads;
    device::Launch(device::StepOverlap(a.rows), RopeCacheVecKernel<T>,
                   static_cast<unsigned>(blocks < 8192 ? blocks : 8192), threads, 0, stream, a);
    return device::LastError();
  }
  const int half = a.head_dim / 2;
  const int threads = half < 32 ? 32 : (half > 256 ? 256 : (half + 31) / 32 * 32);
  device::Launch(device::StepOverlap(a.rows), RopeCacheKernel<T>, dim3(a.heads + 2 * a.kv_heads, a.rows), threads, 0,
                 stream, a);
  return device::LastError();
}

}  // namespace

const char* LaunchRopeCacheWrite(const RopeCacheArgs& a, void* stream) {
  if (a.rows < 1 || a.heads < 1 || a.kv_heads < 1 || a.head_dim < 2 || a.head_dim % 2 != 0) {
    return "rope cache write: unsupported shape";
  }
  const auto s = static_cast<cudaStream_t>(stream);
  return device::DispatchDtype(a.dtype, [&](auto t) { return Launch<decltype(t)>(a, s); });
}

}  // namespace xsd::kernels
