// Attention of a few new rows (decode, verify) over the KV cache, split over
// the cache in chunks of kChunk keys ("split-K"): one block per (chunk, KV
// head) computes the chunk's scores, its softmax numerator with the chunk's
// own maximum, and the weighted sum of values, all in float32; a second
// kernel combines the chunks per query row, or, in the decode kernel given
// a KV cache's counters, the last block of each head to finish does
// (CombineVector: the same code, the same bits). Enough blocks to fill the
// GPU at one query row, where the library's fused kernels run one block per
// head.
//
// Every query row is computed on its own with the same instructions whatever
// the number of rows (two or more): a row's output does not depend on which
// other rows are in the call. Chunks start at multiples of kChunk from key 0,
// and masked keys add exact zeros, so it does not depend on the span either
// (beyond its own visible keys).
//
// One query vector per KV head (decode of a model without grouped queries),
// and every call under row-invariant numerics that the tensor-core kernel
// (attention_mma.cu: bf16/fp16 at head dim 128) does not take, run the decode
// chunk kernel, DecodeChunkKernel: each warp streams 32 keys straight from global memory
// into registers (D / 8 lanes per key, 16-byte loads) with an online softmax;
// the block's four warps merge into the chunk's partial for the same combine
// kernel. Fixed order throughout, so it is deterministic (SDPA's fastest
// backend at one row with a bias, cuDNN's, is not: docs/PERFORMANCE.md run 6)
// and span-independent.
#include "llama_kernels.h"

#include <cmath>
#include <cstdint>

#include <cuda_pipeline.h>

#include "attention_combine.cuh"
#include "attention_mma.h"
#include "kernel_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Load8;
using device::ToFloat;

constexpr int kChunk = 128;    // keys per block
constexpr int kThreads = 128;  // one key per thread in the score pass
constexpr int kRowGroup = 8;   // query rows accumulated together in registers
constexpr int kMaxSharedBytes = 200 * 1024;
static_assert(kThreads == kChunk, "the score pass gives each thread one key");

template <typename T>
__host__ __device__ constexpr int RowStride(int head_dim) {
  return head_dim + static_cast<int>(16 / sizeof(T));  // 16 bytes of padding: no bank conflicts across keys
}

template <typename T>
int SharedBytes(int query_rows, int head_dim) {
  return 2 * kChunk * RowStride<T>(head_dim) * static_cast<int>(sizeof(T)) +
         query_rows * (head_dim + kChunk) * static_cast<int>(sizeof(float));
}

// Starts copying rows [0, n) of a chunk from global memory (row stride
// head_dim) into shared memory (row stride ld) without staging in registers
// (cp.async), as one commit group; rows [n, kChunk) become zeros.
template <typename T>
__device__ __forceinline__ void StartChunkCopy(const T* __restrict__ src, T* dst, int n, int head_dim, int ld) {
  constexpr int kPerVector = static_cast<int>(16 / sizeof(T));
  const int per_row = head_dim / kPerVector;
  for (int idx = threadIdx.x; idx < kChunk * per_row; idx += blockDim.x) {
    const int row = idx / per_row, c = idx - row * per_row;
    T* to = dst + row * ld + c * kPerVector;
    if (row < n) {
      __pipeline_memcpy_async(to, src + static_cast<int64_t>(row) * head_dim + c * kPerVector, 16);
    } else {
      *reinterpret_cast<uint4*>(to) = make_uint4(0u, 0u, 0u, 0u);
    }
  }
  __pipeline_commit();
}

template <typename T>
__global__ void __launch_bounds__(kThreads) ChunkKernel(CachedAttentionArgs a, int chunks) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  extern __shared__ __align__(16) unsigned char shared[];
  const int D = a.head_dim, R = a.rows * a.group, ld = RowStride<T>(D);
  T* k_s = reinterpret_cast<T*>(shared);                     // [kChunk][ld]
  T* v_s = k_s + kChunk * ld;                                // [kChunk][ld]
  float* q_s = reinterpret_cast<float*>(v_s + kChunk * ld);  // [R][D]
  float* p_s = q_s + R * D;                                  // [R][kChunk]
  const int kv = blockIdx.y, chunk = blockIdx.x, j0 = chunk * kChunk;
  const int n = min(kChunk, a.span - j0);
  const T* q = static_cast<const T*>(a.q);
  const T* keys = static_cast<const T*>(a.keys) + kv * a.k_stride_h + static_cast<int64_t>(j0) * D;
  const T* values = static_cast<const T*>(a.values) + kv * a.v_stride_h + static_cast<int64_t>(j0) * D;
  const T* bias = static_cast<const T*>(a.bias);

  // Keys and values in flight together while the queries load.
  StartChunkCopy(keys, k_s, n, D, ld);
  StartChunkCopy(values, v_s, n, D, ld);
  // Query row r = g * rows + t is query head kv * group + g at new row t.
  for (int idx = threadIdx.x; idx < R * D; idx += blockDim.x) {
    const int r = idx / D, d = idx - r * D;
    const int g = r / a.rows, t = r - g * a.rows;
    q_s[idx] = ToFloat<T>(q[t * a.q_stride_t + static_cast<int64_t>(kv * a.group + g) * a.q_stride_h + d]);
  }
  __pipeline_wait_prior(1);  // the keys
  __syncthreads();

  // Scores, one key per thread: s = q . k * scale + bias.
  const int j = threadIdx.x;
  for (int r0 = 0; r0 < R; r0 += kRowGroup) {
    float acc[kRowGroup];
#pragma unroll
    for (int i = 0; i < kRowGroup; ++i) acc[i] = 0.0f;
    if (j < n) {
      for (int d = 0; d < D; d += 8) {
        float k8[8];
        Load8(k_s + j * ld + d, k8);
#pragma unroll
        for (int i = 0; i < kRowGroup; ++i) {
          if (r0 + i >= R) break;
          const float* qr = q_s + (r0 + i) * D + d;
          const float4 qa = *reinterpret_cast<const float4*>(qr), qb = *reinterpret_cast<const float4*>(qr + 4);
          acc[i] += qa.x * k8[0] + qa.y * k8[1] + qa.z * k8[2] + qa.w * k8[3] + qb.x * k8[4] + qb.y * k8[5] +
                    qb.z * k8[6] + qb.w * k8[7];
        }
      }
    }
#pragma unroll
    for (int i = 0; i < kRowGroup; ++i) {
      const int r = r0 + i;
      if (r >= R) break;
      float s = -INFINITY;
      if (j < n) {
        s = acc[i] * a.scale;
        if (bias != nullptr) s += ToFloat<T>(bias[r * a.bias_stride + j0 + j]);
      }
      p_s[r * kChunk + j] = s;
    }
  }
  __syncthreads();

  // Softmax numerators per row (one warp per row) with the chunk's maximum.
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float* ml = a.workspace + static_cast<int64_t>(a.kv_heads) * chunks * R * D;  // [KV][chunks][R][2]
  for (int r = warp; r < R; r += kThreads / 32) {
    float v[kChunk / 32];
    float m = -INFINITY;
#pragma unroll
    for (int i = 0; i < kChunk / 32; ++i) {
      v[i] = p_s[r * kChunk + lane + 32 * i];
      m = fmaxf(m, v[i]);
    }
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    float l = 0.0f;
#pragma unroll
    for (int i = 0; i < kChunk / 32; ++i) {
      const float e = m == -INFINITY ? 0.0f : expf(v[i] - m);
      p_s[r * kChunk + lane + 32 * i] = e;
      l += e;
    }
    for (int o = 16; o > 0; o >>= 1) l += __shfl_xor_sync(0xffffffffu, l, o);
    if (lane == 0) {
      float* out = ml + ((static_cast<int64_t>(kv) * chunks + chunk) * R + r) * 2;
      out[0] = m;
      out[1] = l;
    }
  }
  __pipeline_wait_prior(0);  // the values
  __syncthreads();

  // Weighted values, one output feature per thread; rows past n are zeros in
  // v_s and have p = 0.
  float* part = a.workspace + (static_cast<int64_t>(kv) * chunks + chunk) * R * D;  // [R][D]
  const int n4 = (n + 3) & ~3;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    for (int r0 = 0; r0 < R; r0 += kRowGroup) {
      float acc[kRowGroup];
#pragma unroll
      for (int i = 0; i < kRowGroup; ++i) acc[i] = 0.0f;
      for (int jj = 0; jj < n4; jj += 4) {
        const float v0 = ToFloat<T>(v_s[jj * ld + d]), v1 = ToFloat<T>(v_s[(jj + 1) * ld + d]);
        const float v2 = ToFloat<T>(v_s[(jj + 2) * ld + d]), v3 = ToFloat<T>(v_s[(jj + 3) * ld + d]);
#pragma unroll
        for (int i = 0; i < kRowGroup; ++i) {
          if (r0 + i >= R) break;
          const float4 p = *reinterpret_cast<const float4*>(p_s + (r0 + i) * kChunk + jj);
          acc[i] += p.x * v0 + p.y * v1 + p.z * v2 + p.w * v3;
        }
      }
#pragma unroll
      for (int i = 0; i < kRowGroup; ++i) {
        if (r0 + i >= R) break;
        part[(r0 + i) * D + d] = acc[i];
      }
    }
  }
}

constexpr int kDecodeWarps = 4;     // warps per block, 32 keys each: one chunk of kChunk keys
constexpr int kDecodeInFlight = 4;  // key steps whose loads a lane issues before using them

// Eight elements of T as raw 16-byte words, unpacked to float32 when used.
template <typename T>
struct Raw8 {
  uint4 w[sizeof(T) / 2];
};
template <typename T>
__device__ __forceinline__ Raw8<T> LoadRaw8(const T* p) {
  Raw8<T> r;
#pragma unroll
  for (int i = 0; i < static_cast<int>(sizeof(T) / 2); ++i) r.w[i] = __ldg(reinterpret_cast<const uint4*>(p) + i);
  return r;
}
template <typename T>
__device__ __forceinline__ void Unpack8(const Raw8<T>& r, float (&f)[8]) {
  const T* e = reinterpret_cast<const T*>(r.w);
#pragma unroll
  for (int i = 0; i < 8; ++i) f[i] = ToFloat<T>(e[i]);
}

// The decode kernel: block (z, chunk, kv) covers keys [chunk * 128, chunk *
// 128 + 128) of KV head kv for query vectors [z * kRows, z * kRows + kRows)
// of the R = group * rows of that head (vector r is query head kv * group +
// r / rows at new row r % rows, bias row r); warp w takes the 32 keys from
// chunk * 128 + 32 w. kLanesPerKey = D / 8 lanes share a key (8 elements
// each); a warp takes 32 / kLanesPerKey keys a step, loading each key once
// for all kRows vectors. The warps' partials merge in shared memory in warp
// order into the chunk's partial. Every vector's arithmetic is a fixed
// sequence of rounded operations (explicit fmaf / __fmul_rn / __fadd_rn: no
// contraction choices left to the compiler), the same in every instantiation
// and whatever the other vectors: a row's bits do not depend on the call's
// rows or span (row-invariant), so a verify row equals the decode step.
template <typename T, int kLanesPerKey, int kRows>
__global__ void __launch_bounds__(kDecodeWarps * 32) DecodeChunkKernel(CachedAttentionArgs a, int chunks) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  constexpr int kKeysPerStep = 32 / kLanesPerKey;
  constexpr int kSteps = (kChunk / kDecodeWarps) / kKeysPerStep;
  constexpr int kInFlight = kSteps < kDecodeInFlight ? kSteps : kDecodeInFlight;
  static_assert(kSteps % kInFlight == 0, "steps come in groups of kInFlight");
  constexpr int D = kLanesPerKey * 8;
  const int R = a.rows * a.group, r0 = blockIdx.x * kRows;
  const int chunk = blockIdx.y, kv = blockIdx.z, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int sub = lane % kLanesPerKey, slot = lane / kLanesPerKey;
  const int j0 = chunk * kChunk + warp * (kChunk / kDecodeWarps);
  const T* keys = static_cast<const T*>(a.keys) + kv * a.k_stride_h + sub * 8;
  const T* values = static_cast<const T*>(a.values) + kv * a.v_stride_h + sub * 8;
  const T* bias = static_cast<const T*>(a.bias);
  float q[kRows][8], m[kRows], l[kRows], acc[kRows][8];
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
    const int r = r0 + i < R ? r0 + i : R - 1;  // vectors past R repeat the last one, unused
    const int g = r / a.rows, t = r - g * a.rows;
    Load8(
        static_cast<const T*>(a.q) + t * a.q_stride_t + static_cast<int64_t>(kv * a.group + g) * a.q_stride_h + sub * 8,
        q[i]);
    m[i] = -INFINITY;
    l[i] = 0.0f;
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[i][e] = 0.0f;
  }
#pragma unroll
  for (int s0 = 0; s0 < kSteps; s0 += kInFlight) {
    // Raw 16-byte words in flight (half the registers of floats for 2-byte T).
    Raw8<T> kr[kInFlight], vr[kInFlight];
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int j = j0 + (s0 + u) * kKeysPerStep + slot;
      if (j < a.span) {
        kr[u] = LoadRaw8(keys + static_cast<int64_t>(j) * D);
        vr[u] = LoadRaw8(values + static_cast<int64_t>(j) * D);
      }
    }
#pragma unroll
    for (int u = 0; u < kInFlight; ++u) {
      const int j = j0 + (s0 + u) * kKeysPerStep + slot;
      float k8[8], v8[8];
      if (j < a.span) {
        Unpack8(kr[u], k8);
        Unpack8(vr[u], v8);
      } else {
#pragma unroll
        for (int e = 0; e < 8; ++e) k8[e] = v8[e] = 0.0f;
      }
#pragma unroll
      for (int i = 0; i < kRows; ++i) {
        float dot = 0.0f;
#pragma unroll
        for (int e = 0; e < 8; ++e) dot = fmaf(q[i][e], k8[e], dot);
        // The key's lanes are an aligned group: xor offsets stay inside it,
        // and every lane of the group ends with the same sum.
#pragma unroll
        for (int o = kLanesPerKey / 2; o > 0; o >>= 1) dot = __fadd_rn(dot, __shfl_xor_sync(0xffffffffu, dot, o));
        if (j >= a.span || r0 + i >= R) continue;
        float s = __fmul_rn(dot, a.scale);
        if (bias != nullptr) s = __fadd_rn(s, ToFloat<T>(bias[(r0 + i) * a.bias_stride + j]));
        const float top = fmaxf(m[i], s);
        if (top == -INFINITY) continue;  // every key so far masked
        const float keep = expf(__fadd_rn(m[i], -top)), p = expf(__fadd_rn(s, -top));
        l[i] = fmaf(l[i], keep, p);
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[i][e] = fmaf(acc[i][e], keep, __fmul_rn(p, v8[e]));
        m[i] = top;
      }
    }
  }
  // The warp's key slots merged (xor butterfly: both partners compute the
  // same commutative merge, so every slot ends with the same bits).
#pragma unroll
  for (int i = 0; i < kRows; ++i) {
#pragma unroll
    for (int o = kLanesPerKey; o < 32; o <<= 1) {
      const float m2 = __shfl_xor_sync(0xffffffffu, m[i], o), l2 = __shfl_xor_sync(0xffffffffu, l[i], o);
      const float top = fmaxf(m[i], m2);
      const float w1 = m[i] == -INFINITY ? 0.0f : expf(__fadd_rn(m[i], -top));
      const float w2 = m2 == -INFINITY ? 0.0f : expf(__fadd_rn(m2, -top));
      l[i] = __fadd_rn(__fmul_rn(l[i], w1), __fmul_rn(l2, w2));
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        const float a2 = __shfl_xor_sync(0xffffffffu, acc[i][e], o);
        acc[i][e] = __fadd_rn(__fmul_rn(acc[i][e], w1), __fmul_rn(a2, w2));
      }
      m[i] = top;
    }
  }
  __shared__ float m_s[kDecodeWarps][kRows], l_s[kDecodeWarps][kRows];
  __shared__ __align__(16) float acc_s[kDecodeWarps][kRows][D];
  if (slot == 0) {
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      *reinterpret_cast<float4*>(&acc_s[warp][i][sub * 8]) = make_float4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
      *reinterpret_cast<float4*>(&acc_s[warp][i][sub * 8 + 4]) =
          make_float4(acc[i][4], acc[i][5], acc[i][6], acc[i][7]);
      if (sub == 0) {
        m_s[warp][i] = m[i];
        l_s[warp][i] = l[i];
      }
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < kRows * D; idx += blockDim.x) {
    const int i = idx / D, d = idx - i * D;
    if (r0 + i >= R) break;
    float top = -INFINITY, w[kDecodeWarps];
#pragma unroll
    for (int k = 0; k < kDecodeWarps; ++k) top = fmaxf(top, m_s[k][i]);
#pragma unroll
    for (int k = 0; k < kDecodeWarps; ++k) w[k] = m_s[k][i] == -INFINITY ? 0.0f : expf(__fadd_rn(m_s[k][i], -top));
    float o = 0.0f;
#pragma unroll
    for (int k = 0; k < kDecodeWarps; ++k) o = fmaf(acc_s[k][i][d], w[k], o);
    const int64_t slot_index = (static_cast<int64_t>(kv) * chunks + chunk) * R + r0 + i;  // [KV][chunks][R]
    a.workspace[slot_index * D + d] = o;
    if (d == 0) {
      float total = 0.0f;
#pragma unroll
      for (int k = 0; k < kDecodeWarps; ++k) total = fmaf(l_s[k][i], w[k], total);
      float* ml = a.workspace + static_cast<int64_t>(a.kv_heads) * chunks * R * D + slot_index * 2;
      ml[0] = top;
      ml[1] = total;
    }
  }
  if (a.counters == nullptr) return;  // CombineKernel follows
  // The last of the chunks' blocks of (vector group, KV head) combines them.
  __shared__ CombineShared combine_s;
  if (!LastChunkBlock(a.counters + kv * gridDim.x + blockIdx.x, chunks)) return;
  for (int i = 0; i < kRows && r0 + i < R; ++i) CombineVector<T>(a, chunks, r0 + i, kv, combine_s);
}

// One block per (query vector, KV head).
template <typename T>
__global__ void CombineKernel(CachedAttentionArgs a, int chunks) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  __shared__ CombineShared s;
  CombineVector<T, 48>(a, chunks, blockIdx.x, blockIdx.y, s);
}

template <typename T, int kRows>
const char* LaunchDecodeRows(const CachedAttentionArgs& a, int chunks, cudaStream_t stream) {
  const int R = a.rows * a.group;
  // Blocks of one (chunk, KV head) for all vector groups are neighbours: the
  // chunk's keys are read from memory once and from L2 by the others.
  const dim3 grid((R + kRows - 1) / kRows, chunks, a.kv_heads);
  constexpr int kThreads = kDecodeWarps * 32;
  switch (a.head_dim) {
    case 16:
      device::Launch(device::Overlap::kWithPrior, DecodeChunkKernel<T, 2, kRows>, grid, kThreads, 0, stream, a, chunks);
      break;
    case 32:
      device::Launch(device::Overlap::kWithPrior, DecodeChunkKernel<T, 4, kRows>, grid, kThreads, 0, stream, a, chunks);
      break;
    case 64:
      device::Launch(device::Overlap::kWithPrior, DecodeChunkKernel<T, 8, kRows>, grid, kThreads, 0, stream, a, chunks);
      break;
    case 128:
      device::Launch(device::Overlap::kWithPrior, DecodeChunkKernel<T, 16, kRows>, grid, kThreads, 0, stream, a,
                     chunks);
      break;
    case 256:
      device::Launch(device::Overlap::kWithPrior, DecodeChunkKernel<T, 32, kRows>, grid, kThreads, 0, stream, a,
                     chunks);
      break;
    default: return "cached attention: unsupported shape (head_dim)";
  }
  return nullptr;
}

template <typename T>
const char* LaunchDecode(const CachedAttentionArgs& a, cudaStream_t stream) {
  const int chunks = (a.span + kChunk - 1) / kChunk;
  if (chunks > kMaxChunks) return "cached attention: unsupported shape (span)";
  const int R = a.rows * a.group;
  const int groups = R == 1 ? 1 : (R + 3) / 4;  // blocks per (chunk, KV head): LaunchDecodeRows' grid.x
  // The combine in the chunk kernel's last block where the caller gave
  // enough counters (KvCache::kernel_counters; 7B decode step 4.21 vs 4.27
  // ms with the combine kernel, docs/PERFORMANCE.md run 10), else its own
  // kernel.
  CachedAttentionArgs args = a;
  if (args.counter_count < groups * args.kv_heads) args.counters = nullptr;
  const char* error =
      R == 1 ? LaunchDecodeRows<T, 1>(args, chunks, stream) : LaunchDecodeRows<T, 4>(args, chunks, stream);
  if (error != nullptr) return error;
  if (args.counters != nullptr) return device::LastError();
  const int threads = ((a.head_dim < 128 ? a.head_dim : 128) + 31) / 32 * 32;
  device::Launch(device::Overlap::kWithPrior, CombineKernel<T>, dim3(R, a.kv_heads), threads, 0, stream, a, chunks);
  return device::LastError();
}

bool DecodeShape(const CachedAttentionArgs& a) {
  const bool dim_ok =
      a.head_dim == 16 || a.head_dim == 32 || a.head_dim == 64 || a.head_dim == 128 || a.head_dim == 256;
  return dim_ok && (a.rows * a.group == 1 || a.row_invariant);
}

bool TensorCoreShape(const CachedAttentionArgs& a) {
  return CachedAttentionOnTensorCores(a.dtype, a.head_dim, a.rows * a.group, a.row_invariant);
}

// The tensor-core chunk pass (attention_mma.cu), then the combine kernel
// (the vectors of a verify side by side; for decode too: attention_mma.cu
// says why not in the last block).
template <typename T>
const char* LaunchTensorCores(const CachedAttentionArgs& a, cudaStream_t stream) {
  const int chunks = (a.span + kMmaAttentionChunk - 1) / kMmaAttentionChunk;
  if (chunks > kMaxChunks) return "cached attention: unsupported shape (span)";
  const int parts = (chunks + kMmaAttentionChunksPerBlock - 1) / kMmaAttentionChunksPerBlock;
  const char* error = LaunchMmaAttentionChunks(a, parts, stream);
  if (error != nullptr) return error;
  device::Launch(device::Overlap::kWithPrior, CombineKernel<T>, dim3(a.rows * a.group, a.kv_heads), 128, 0, stream, a,
                 parts);
  return device::LastError();
}

template <typename T>
const char* Launch(const CachedAttentionArgs& a, cudaStream_t stream) {
  if (TensorCoreShape(a)) return LaunchTensorCores<T>(a, stream);
  if (DecodeShape(a)) return LaunchDecode<T>(a, stream);
  const int query_rows = a.rows * a.group;
  const int bytes = SharedBytes<T>(query_rows, a.head_dim);
  if (bytes > kMaxSharedBytes) return "cached attention: unsupported shape (shared memory)";
  if (bytes > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(ChunkKernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e != cudaSuccess) return cudaGetErrorString(e);
  }
  const int chunks = (a.span + kChunk - 1) / kChunk;
  if (chunks > kMaxChunks) return "cached attention: unsupported shape (span)";
  device::Launch(device::Overlap::kWithPrior, ChunkKernel<T>, dim3(chunks, a.kv_heads), kThreads, bytes, stream, a,
                 chunks);
  const int threads = ((a.head_dim < 128 ? a.head_dim : 128) + 31) / 32 * 32;
  device::Launch(device::Overlap::kWithPrior, CombineKernel<T>, dim3(query_rows, a.kv_heads), threads, 0, stream, a,
                 chunks);
  return device::LastError();
}

}  // namespace

int64_t CachedAttentionWorkspaceFloats(int rows, int group, int kv_heads, int span, int head_dim) {
  // Enough for the smallest chunks (the tensor-core pass's).
  const int64_t chunks = (span + kMmaAttentionChunk - 1) / kMmaAttentionChunk;
  return static_cast<int64_t>(kv_heads) * chunks * rows * group * (head_dim + 2);
}

const char* LaunchCachedAttention(const CachedAttentionArgs& a, void* stream) {
  const int query_rows = a.rows * a.group;
  if (a.rows < 1 || a.group < 1 || query_rows > kCachedAttentionMaxQueryRows || a.kv_heads < 1 || a.span < 1 ||
      a.head_dim < 8 || a.head_dim % 8 != 0 || a.head_dim > 256) {
    return "cached attention: unsupported shape";
  }
  const int elem = a.dtype == Dtype::kFloat32 ? 4 : 2;
  if (!device::Aligned16(a.keys) || !device::Aligned16(a.values) || (a.k_stride_h * elem) % 16 != 0 ||
      (a.v_stride_h * elem) % 16 != 0) {
    return "cached attention: keys and values must be 16-byte aligned";
  }
  const bool vector_queries = DecodeShape(a) || TensorCoreShape(a);
  if (vector_queries &&
      (!device::Aligned16(a.q) || (a.q_stride_h * elem) % 16 != 0 || (a.rows > 1 && (a.q_stride_t * elem) % 16 != 0))) {
    return "cached attention: queries must be 16-byte aligned";
  }
  const auto s = static_cast<cudaStream_t>(stream);
  return device::DispatchDtype(a.dtype, [&](auto t) { return Launch<decltype(t)>(a, s); });
}

}  // namespace xsd::kernels
