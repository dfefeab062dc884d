// The combine of the chunked cached attention (cached_attention.cu's chunk
// kernels, attention_mma.cu's tensor-core pass): each chunk (in the
// tensor-core pass, each part of consecutive chunks; the `chunks` arguments
// below count those partials) left its partial (max, sum, unnormalised
// output) in the workspace; a query vector's output is their rescaled sum. One code for the combine kernel and for the decode
// kernel's last chunk block of a head (LastChunkBlock), so both give the
// same bits.
// Internal to the kernels.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernel_math.cuh"
#include "llama_kernels.h"

namespace xsd::kernels {

// The combine of one query vector r of KV head kv: the chunks' partial sums
// rescaled to the vector's maximum, divided by its total, rounded once to T.
// The chunks' (max, total) pairs are read in parallel into shared memory
// first. Run by a whole block (any multiple of 32 threads: the bits do not
// depend on it), as CombineKernel or as the epilogue of a head's last chunk
// block (DecodeChunkKernel with counters); partials are read from L2
// (__ldcg: other blocks wrote them in the same launch).
constexpr int kMaxChunks = 1024;  // spans up to 131 072 keys

struct CombineShared {
  float weight[kMaxChunks];
  float sum[kMaxChunks];
  float max[32];
};

// kEarly: chunks (from the first) whose partials a thread loads before the
// weights (registers: the combine kernel's; 0 in a chunk kernel's last block,
// whose registers would limit the blocks per SM). The combine kernel's 48
// made a 7B verify of 2-5 rows (run as 2-8) 0.1-0.2 ms faster (H100,
// docs/PERFORMANCE.md run 13).
template <typename T, int kEarly = 0>
__device__ __forceinline__ void CombineVector(const CachedAttentionArgs& a, int chunks, int r, int kv, CombineShared& s) {
  const int D = a.head_dim, R = a.rows * a.group;
  const float* ml = a.workspace + static_cast<int64_t>(a.kv_heads) * chunks * R * D;
  const int64_t first = static_cast<int64_t>(kv) * chunks * R + r;  // slot of chunk 0; chunk c adds c * R
  // The partials of this thread's first feature for the first kEarly chunks,
  // loaded now so that their latency overlaps the weights' computation.
  const int d0 = threadIdx.x;
  float early[kEarly > 0 ? kEarly : 1];
#pragma unroll
  for (int i = 0; i < kEarly; ++i) {
    early[i] = d0 < D && i < chunks ? __ldcg(a.workspace + (first + static_cast<int64_t>(i) * R) * D + d0) : 0.0f;
  }
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    const float* pair = ml + (first + static_cast<int64_t>(c) * R) * 2;
    s.weight[c] = __ldcg(pair);
    s.sum[c] = __ldcg(pair + 1);
  }
  __syncthreads();
  // The vector's maximum (exact in any order), each chunk's weight in
  // parallel, the total in chunk order.
  float top = -INFINITY;
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) top = fmaxf(top, s.weight[c]);
  for (int o = 16; o > 0; o >>= 1) top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, o));
  if ((threadIdx.x & 31) == 0) s.max[threadIdx.x >> 5] = top;
  __syncthreads();
  top = -INFINITY;
  for (int i = 0; i < static_cast<int>(blockDim.x >> 5); ++i) top = fmaxf(top, s.max[i]);
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    const float m = s.weight[c];
    s.weight[c] = m == -INFINITY ? 0.0f : expf(__fadd_rn(m, -top));
  }
  __syncthreads();
  float total = 0.0f;  // every thread the same chain
  for (int c = 0; c < chunks; ++c) total = fmaf(s.sum[c], s.weight[c], total);
  const int g = r / a.rows, t = r - g * a.rows;
  const int heads = a.kv_heads * a.group;
  T* out = static_cast<T*>(a.out) + (static_cast<int64_t>(t) * heads + kv * a.group + g) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float o = 0.0f;
    int c = 0;
    if (kEarly > 0 && d == d0) {
#pragma unroll
      for (int i = 0; i < kEarly; ++i) {
        if (i < chunks) o = fmaf(early[i], s.weight[i], o);
      }
      c = chunks < kEarly ? chunks : kEarly;
    }
#pragma unroll 8
    for (; c < chunks; ++c) {
      o = fmaf(__ldcg(a.workspace + (first + static_cast<int64_t>(c) * R) * D + d), s.weight[c], o);
    }
    out[d] = device::FromFloat<T>(total > 0.0f ? __fdiv_rn(o, total) : 0.0f);
  }
  __syncthreads();  // s is free again
}

// Counts the calling block's chunk partial, already written, on `counter`
// (zero before the launch): true in the block that finishes last of
// `chunks`, where the partials of all are then visible; that block leaves the
// counter zero again. Called by every thread of the block.
__device__ __forceinline__ bool LastChunkBlock(unsigned* counter, int chunks) {
  __shared__ bool last;
  __threadfence();  // this block's partial is visible before it is counted
  __syncthreads();
  if (threadIdx.x == 0) {
    last = atomicAdd(counter, 1u) == static_cast<unsigned>(chunks - 1);
    if (last) atomicExch(counter, 0u);
  }
  __syncthreads();
  if (last) __threadfence();
  return last;
}

}  // namespace xsd::kernels
