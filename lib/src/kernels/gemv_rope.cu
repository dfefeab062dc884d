// The decode row's qkv projection with the rotary embedding and the K/V
// cache write in its epilogue: one kernel instead of the GEMV (gemv.cu) and
// the rotation + cache-write kernel (rope_cache.cu), with both of their
// arithmetic (gemv_common.cuh, rope_math.cuh), so the same bits.
#include <cstdint>

#include "gemv_common.cuh"
#include "kernel_math.cuh"
#include "llama_kernels.h"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Round;
using device::ToFloat;
using namespace gemv;  // NOLINT: the shared GEMV pieces

// The qkv projection of one row with the rotary embedding and the cache
// write in its epilogue (LaunchGemvRopeCacheBf16). Warp j of head h computes
// dims 2j, 2j + 1, half + 2j, half + 2j + 1 of the head (j < D / 4): two
// rotation pairs. Each output is summed as GemvBf16Kernel sums it and rounded
// as it stores it; queries and keys are then rotated as RopeCacheKernel
// rotates them (rope_math.cuh): the same bits as the GEMV followed by the
// rotation + cache-write kernel, one kernel and the [1, (H + 2 KV) D]
// intermediate fewer.
__global__ void GemvRopeCacheKernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w, int k,
                                    RopeCacheArgs a) {
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

}  // namespace

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
                                     static_cast<const __nv_bfloat16*>(w), static_cast<int>(k), a);
  return error != nullptr ? error : device::LastError();
}

}  // namespace xsd::kernels
