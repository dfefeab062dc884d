// The RMSNorm arithmetic of the norm kernels (llama_kernels.cu: the plain and
// the vectorised form), written once so that both give the same bits:
// per-thread sums of squares in element order (fused multiply-adds), the
// block's sum over kNormThreads threads in one fixed tree, and the scale.
// Only .cu files include this.
#pragma once

#include "kernel_math.cuh"

namespace xsd::kernels::device {

// Threads of the vectorised norm kernel: thread t owns the 8-element chunks
// (c * kNormThreads + t) * 8 of its row, c = 0, 1, ...
inline constexpr int kNormThreads = 256;

__device__ __forceinline__ void AddSquares8(float& squares, const float (&h)[8]) {
#pragma unroll
  for (int e = 0; e < 8; ++e) squares = fmaf(h[e], h[e], squares);
}

// 1 / sqrt(mean of squares + eps).
__device__ __forceinline__ float RmsScale(float total_squares, int dim, float eps) {
  return 1.0f / sqrtf(total_squares / static_cast<float>(dim) + eps);
}

// The sum over a block of kNormThreads threads: a butterfly within each
// warp, then one over the warps' sums, always in that order. Every thread
// gets it.
__device__ __forceinline__ float BlockSum(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = static_cast<int>(blockDim.x >> 5);
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float s = lane < warps ? partial[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) total = s;
  }
  __syncthreads();
  return total;
}

}  // namespace xsd::kernels::device
