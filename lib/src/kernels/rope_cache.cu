// Rotary embedding of the new rows' queries and keys, fused with the KV cache
// write: one kernel reads the qkv projection once, writes the rotated queries
// to a contiguous [T, H, D] tensor and the rotated keys and the values
// straight into their cache rows. Replaces ~8 ATen kernels per layer (the
// rotation's narrow/neg/cat/mul/mul/add, two cache copies).
//
// Rounding follows the ATen formula it replaces (rope_math.cuh). A decode
// row of bf16 takes the qkv GEMV that rotates in its epilogue instead
// (gemv_rope.cu, LaunchGemvRopeCacheBf16): the same arithmetic.
#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::ToFloat;

template <typename T>
__global__ void RopeCacheKernel(RopeCacheArgs a) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  if (a.rows <= device::kStepRows) device::AllowDependentGrids();
  const int head = blockIdx.x, t = blockIdx.y, D = a.head_dim, half = D / 2;
  const T* x = static_cast<const T*>(a.qkv) + t * a.qkv_stride_t + static_cast<int64_t>(head) * D;
  T* dst;
  if (head < a.heads) {
    dst = static_cast<T*>(a.q_out) + (static_cast<int64_t>(t) * a.heads + head) * D;
  } else {
    const int64_t row = a.cache_rows != nullptr ? a.cache_rows[t] : a.base + t;
    dst = head < a.heads + a.kv_heads
              ? static_cast<T*>(a.k_cache) + (head - a.heads) * a.k_stride_h + row * D
              : static_cast<T*>(a.v_cache) + (head - a.heads - a.kv_heads) * a.v_stride_h + row * D;
  }
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

template <typename T>
const char* Launch(const RopeCacheArgs& a, cudaStream_t stream) {
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
