// Attention of up to 64 query vectors over cached keys and values on tensor
// cores (mma.sync m16n8k16, float32 accumulation), for bf16/fp16 and head
// dim 128: decode (one vector) and verify (γ + 1 rows) run the same code, and
// each vector gets the same bits whatever the others (row-invariant).
//
// Block (part, KV head): the kMmaAttentionChunksPerBlock chunks of 64 keys
// [64 chunk, 64 chunk + 64) of a part, one after the other, of one KV head
// for all R = group * rows query vectors of that head, as n tiles of 8
// vectors (all in one block: a 17-row verify took 31.2 us per 7B layer
// against 40.2 with 16 vectors per block, the chunk read again from L2 for
// each; docs/PERFORMANCE.md run 8). The first chunk's keys, values and the
// block's queries are copied into shared memory at the start (cp.async, all
// in flight at once), the next chunk's keys once the scores are taken, its
// values once the output pass is done.
// - Scores S[key][vector] = K · Q^T: warp w takes keys 16 w .. 16 w + 15 (the
//   mma's 16 rows), all 128 features as 8 k-steps. The k slots are a fixed
//   permutation of the features, the same for K and Q (thread t of a group
//   reads features 32 c + 8 t .. + 7 in one 16-byte read; slots {2t, 2t+1}
//   and {2t+8, 2t+9} of k-step (c, s) are features 32 c + 8 t + 4 s + {0, 1}
//   and + {2, 3}).
// - Softmax over the chunk per vector: max (exact in any order), p =
//   exp(s - max), the sum of p in a fixed tree (keys g and g + 8 of a thread,
//   then the 8 groups by xor butterfly, then the 4 warps in order).
// - O^T[feature][vector] = V^T · P^T: warp w takes features 32 w .. 32 w + 31
//   (two mma m tiles: row g <-> feature 32 w + 4 g + 2 i, row g + 8 <-> the
//   next one), all 64 keys as 4 k-steps; each thread reads 8 bytes of a
//   value row (its 4 features) per key and pairs keys with byte permutes. p enters
//   as two bf16/fp16 terms, hi = round(p) and lo = round(p - hi): the
//   products are exact and the sum float32, so the weights keep ~16 bits.
// Across a part's chunks each vector keeps a running maximum, sum and
// output, rescaled by exp(old max - new max) when the maximum grows (by
// exactly 1 for chunks whose keys are all masked). The part's (max, sum,
// unnormalised output) go to the workspace for the combine kernel
// (attention_combine.cuh), as the decode kernel's do (a last-block combine
// with the cache's counters, as the decode kernel has, made the 7B step 0.1
// ms slower here: docs/PERFORMANCE.md run 13). Keys past the span score
// -inf and their values load as zeros; masked keys add exact zeros: a
// vector's bits do not depend on the span beyond its visible keys.
#include "attention_mma.h"

#include <cuda_pipeline.h>

#include "kernel_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Mma16816;
using device::Pack2;
using device::ToFloat;

constexpr int kD = 128;
constexpr int kWarps = 4;
constexpr int kKeys = kMmaAttentionChunk;  // 64: 16 per warp in the score pass
// Row strides in shared memory, chosen for conflict-free fragment reads: the
// keys' 16-byte reads (rows g, t 16-byte columns) need rows 16 words apart
// mod 32 (256 + 64 bytes); the values' 8-byte reads (rows 2t, g 8-byte
// columns) need every other row 8 words apart (256 + 16 bytes); the p
// tile's 8-byte reads (rows g, columns 2t) need rows 8 words apart.
constexpr int kKStride = kD + 32;    // elements (2-byte T)
constexpr int kVStride = kD + 8;     // elements
constexpr int kPStride = kKeys + 8;  // floats
static_assert(kKeys == 16 * kWarps, "the score pass gives each warp 16 keys");
static_assert(kD == 32 * kWarps, "the value pass gives each warp 32 features");

__device__ __forceinline__ uint32_t Word(const uint4& v, int i) {
  return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

// Starts copying the chunk's `kKeys` rows of 128 features from `src` (row
// stride kD) into `dst` (row stride `ld`) without staging in registers
// (cp.async), as one commit group; rows past the span become zeros.
template <int kThreads, typename T>
__device__ __forceinline__ void CopyChunk(const T* __restrict__ src, T* dst, int key0, int span, int ld) {
  constexpr int kPerRow = kD * static_cast<int>(sizeof(T)) / 16;  // 16-byte vectors per row
  for (int idx = threadIdx.x; idx < kKeys * kPerRow; idx += kThreads) {
    const int row = idx / kPerRow, c = idx - row * kPerRow;
    T* to = dst + row * ld + c * 8;
    if (key0 + row < span) {
      __pipeline_memcpy_async(to, src + static_cast<int64_t>(key0 + row) * kD + c * 8, 16);
    } else {
      *reinterpret_cast<uint4*>(to) = make_uint4(0u, 0u, 0u, 0u);
    }
  }
  __pipeline_commit();
}

// This thread's biases for keys key_a and key_b of its vectors (tiles n0
// on; zeros without a bias, past R or past the span).
template <typename T, int kTiles>
__device__ __forceinline__ void LoadBias(const CachedAttentionArgs& a, int R, int n0, int key_a, int key_b, int t,
                                         float (&bias_r)[kTiles][4]) {
  const T* bias = static_cast<const T*>(a.bias);
#pragma unroll
  for (int n = 0; n < kTiles; ++n) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int v = 8 * (n0 + n) + 2 * t + (e & 1), key = e < 2 ? key_a : key_b;
      bias_r[n][e] = bias != nullptr && v < R && key < a.span
                         ? ToFloat<T>(bias[static_cast<int64_t>(v) * a.bias_stride + key])
                         : 0.0f;
    }
  }
}

// The block's vector tiles are split over groups of kWarps warps (at most
// four: 512 threads), each group running the passes below for its own tiles
// over the block's shared keys, values and p tile; a vector's scores,
// softmax and output come from the same mma operands and sums in the same
// order whatever the grouping, so the same bits. One tile per group up to
// three tiles (24 vectors): 75-76 registers instead of 96 / 141 (56 at three
// tiles since run 20: MinBlocks below); measured on
// an H100 (docs/PERFORMANCE.md run 19) verify of 9 / 16 / 17 rows 5.96 / 6.30
// / 6.98 ms instead of 6.06 / 6.68-6.70 / 7.09; of 25 rows (four groups of
// one) 7.78 instead of 7.59, and of 33 rows (groups of two) 9.06-9.07 instead
// of 9.41-9.42.
// Four tiles: one group (four groups of one lost above); five and more:
// groups of two (measured at five only; two groups of two at four tiles and
// groups of two at six to eight not yet measured against one group).
__host__ __device__ constexpr int GroupTiles(int tiles) { return tiles <= 3 ? 1 : tiles == 4 ? 4 : 2; }
__host__ __device__ constexpr int Groups(int tiles) { return (tiles + GroupTiles(tiles) - 1) / GroupTiles(tiles); }
// Tile slots (the last group's may pass `tiles`) and threads of a block.
__host__ __device__ constexpr int Slots(int tiles) { return Groups(tiles) * GroupTiles(tiles); }
__host__ __device__ constexpr int Threads(int tiles) { return kWarps * 32 * Groups(tiles); }

// kTiles: the block's tiles of 8 vectors; kGroupTiles of them per group of
// kWarps warps (kSlots tile slots).
// One tile (decode): registers for five blocks per SM (shared memory allows
// five); one group of four: one block; two groups of one tile: three blocks
// (at most 85 registers); three groups of one: three blocks (at most 56
// registers, no spills: 17-24 rows' 544-576 blocks of a 7B layer in two
// rounds instead of three; H100, run 20: attention 29.4 instead of 31.8 us
// a layer at 17 rows, verify of 17 / 21 rows 6.84 / 7.08 ms instead of 6.88
// / 7.16; four blocks of two groups at 64 registers lost: 9 / 13 rows 6.00
// / 6.38 instead of 5.94 / 6.09); groups of two: 3 / groups, at least one.
constexpr int MinBlocks(int tiles) {
  const int groups = Groups(tiles);
  if (groups == 1) return tiles == 1 ? 5 : 1;
  if (GroupTiles(tiles) == 1) return 3;
  return 3 / groups > 1 ? 3 / groups : 1;
}
template <typename T, int kTiles, int kGroupTiles = GroupTiles(kTiles), int kGroups = Groups(kTiles)>
__global__ void __launch_bounds__(Threads(kTiles), MinBlocks(kTiles))
    MmaChunkKernel(CachedAttentionArgs a, int parts) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  constexpr int kSlots = Slots(kTiles), kThreads = Threads(kTiles);
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int warp = kGroups == 1 ? threadIdx.x >> 5 : (threadIdx.x >> 5) % kWarps;  // in its group
  const int n0 = kGroups == 1 ? 0 : (threadIdx.x >> 5) / kWarps * kGroupTiles;   // the group's first tile
  // The block's 8 kSlots vector slots: the R vectors, the last one repeated.
  const int part = blockIdx.x, kv = blockIdx.y, R = a.rows * a.group;
  const int first_chunk = part * kMmaAttentionChunksPerBlock;
  const int end_chunk = min(first_chunk + kMmaAttentionChunksPerBlock, (a.span + kKeys - 1) / kKeys);
  const T* keys = static_cast<const T*>(a.keys) + kv * a.k_stride_h;
  const T* values = static_cast<const T*>(a.values) + kv * a.v_stride_h;
  // Dynamic shared memory: a chunk's keys, its values, the block's query
  // vectors, all copied in flight together from the start (keys and queries
  // as the first commit groups, values the next), and the p tile (its own:
  // the next chunk's keys load while p is read).
  extern __shared__ __align__(16) unsigned char shared[];
  T* k_s = reinterpret_cast<T*>(shared);
  T* v_s = k_s + kKeys * kKStride;
  T* q_s = v_s + kKeys * kVStride;  // [8 kSlots][kKStride]
  float(*p_s)[kPStride] = reinterpret_cast<float(*)[kPStride]>(q_s + 8 * kSlots * kKStride);
  __shared__ float max_s[kWarps][8 * kSlots], sum_s[kWarps][8 * kSlots];
  CopyChunk<kThreads>(keys, k_s, first_chunk * kKeys, a.span, kKStride);
  {
    // Query vector r = head * rows + row (vectors past R repeat the last).
    constexpr int kPerRow = kD * static_cast<int>(sizeof(T)) / 16;
    for (int idx = threadIdx.x; idx < 8 * kSlots * kPerRow; idx += kThreads) {
      const int r0 = idx / kPerRow, c = idx - r0 * kPerRow, r = r0 < R ? r0 : R - 1;
      const int head = r / a.rows, row = r - head * a.rows;
      const T* from = static_cast<const T*>(a.q) + row * a.q_stride_t +
                      static_cast<int64_t>(kv * a.group + head) * a.q_stride_h + c * 8;
      __pipeline_memcpy_async(q_s + r0 * kKStride + c * 8, from, 16);
    }
    __pipeline_commit();
  }
  CopyChunk<kThreads>(values, v_s, first_chunk * kKeys, a.span, kVStride);
  // This thread's biases, in flight with the copies (the next chunk's
  // during this one's).
  float bias_r[kGroupTiles][4];
  LoadBias<T, kGroupTiles>(a, R, n0, first_chunk * kKeys + 16 * warp + g, first_chunk * kKeys + 16 * warp + g + 8, t,
                           bias_r);
  const T* ka_s = k_s + (16 * warp + g) * kKStride + 8 * t;
  const T* kb_s = ka_s + 8 * kKStride;
  const int feature0 = 32 * warp + 4 * g;
  // Per vector of this thread (8 (n0 + n) + 2 t + h): the block's running maximum
  // and sum of p (relative to that maximum); out: its unnormalised output
  // (C fragments: rows g, g + 8 <-> features, columns 2t, 2t + 1 <->
  // vectors), rescaled when the maximum grows.
  float run_max[kGroupTiles][2], run_sum[kGroupTiles][2], out[2][kGroupTiles][4];
#pragma unroll
  for (int n = 0; n < kGroupTiles; ++n) {
    run_max[n][0] = run_max[n][1] = -INFINITY;
    run_sum[n][0] = run_sum[n][1] = 0.0f;
#pragma unroll
    for (int i = 0; i < 2; ++i) out[i][n][0] = out[i][n][1] = out[i][n][2] = out[i][n][3] = 0.0f;
  }

  for (int chunk = first_chunk; chunk < end_chunk; ++chunk) {
    const int key_a = chunk * kKeys + 16 * warp + g, key_b = key_a + 8;
    __pipeline_wait_prior(1);  // this thread's key (and query) copies: all but the values
    __syncthreads();           // everyone's

    // Scores: c0, c1 = (key_a; vectors 8 (n0 + n) + 2t, + 1), c2, c3 = key_b.
    float score[kGroupTiles][4];
#pragma unroll
    for (int n = 0; n < kGroupTiles; ++n) {
      const T* qv = q_s + (8 * (n0 + n) + g) * kKStride + 8 * t;
      float c4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const uint4 q8 = *reinterpret_cast<const uint4*>(qv + 32 * c);
        const uint4 ka = *reinterpret_cast<const uint4*>(ka_s + 32 * c);
        const uint4 kb = *reinterpret_cast<const uint4*>(kb_s + 32 * c);
#pragma unroll
        for (int s = 0; s < 2; ++s) {
          Mma16816<T>(c4, Word(ka, 2 * s), Word(kb, 2 * s), Word(ka, 2 * s + 1), Word(kb, 2 * s + 1), Word(q8, 2 * s),
                      Word(q8, 2 * s + 1));
        }
      }
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int v = 8 * (n0 + n) + 2 * t + (e & 1), key = e < 2 ? key_a : key_b;
        float x = -INFINITY;
        if (v < R && key < a.span) {
          x = __fmul_rn(c4[e], a.scale);
          if (a.bias != nullptr) x = __fadd_rn(x, bias_r[n][e]);
        }
        score[n][e] = x;
      }
    }
    if (chunk + 1 < end_chunk) LoadBias<T, kGroupTiles>(a, R, n0, key_a + kKeys, key_b + kKeys, t, bias_r);

    // Per vector: the chunk's max, then the running max, p, and the sum of
    // p. The barrier after the maxima also ends every warp's reads of the
    // keys' tile: the next chunk's keys replace them.
#pragma unroll
    for (int n = 0; n < kGroupTiles; ++n) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        float m = fmaxf(score[n][h], score[n][h + 2]);
#pragma unroll
        for (int o = 4; o < 32; o <<= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
        if (g == 0) max_s[warp][8 * (n0 + n) + 2 * t + h] = m;
      }
    }
    __syncthreads();
    if (chunk + 1 < end_chunk) {
      CopyChunk<kThreads>(keys, k_s, (chunk + 1) * kKeys, a.span, kKStride);
    } else {
      __pipeline_commit();  // an empty group, so that waiting for all but the newest still waits for the values
    }
    float scale[kGroupTiles][2];  // the old running max's weight under the new
#pragma unroll
    for (int n = 0; n < kGroupTiles; ++n) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int v = 8 * (n0 + n) + 2 * t + h;
        float m = run_max[n][h];
#pragma unroll
        for (int w = 0; w < kWarps; ++w) m = fmaxf(m, max_s[w][v]);
        scale[n][h] = run_max[n][h] == -INFINITY ? 0.0f : expf(__fadd_rn(run_max[n][h], -m));
        run_max[n][h] = m;
        const float pa = m == -INFINITY ? 0.0f : expf(__fadd_rn(score[n][h], -m));
        const float pb = m == -INFINITY ? 0.0f : expf(__fadd_rn(score[n][h + 2], -m));
        p_s[v][16 * warp + g] = pa;
        p_s[v][16 * warp + g + 8] = pb;
        float l = __fadd_rn(pa, pb);
#pragma unroll
        for (int o = 4; o < 32; o <<= 1) l = __fadd_rn(l, __shfl_xor_sync(0xffffffffu, l, o));
        if (g == 0) sum_s[warp][v] = l;
      }
    }
    __pipeline_wait_prior(1);  // this thread's value copies (the next keys may stay in flight)
    __syncthreads();           // everyone's, the p tile and the sums
#pragma unroll
    for (int n = 0; n < kGroupTiles; ++n) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int v = 8 * (n0 + n) + 2 * t + h;
        const float chunk_sum = __fadd_rn(__fadd_rn(__fadd_rn(sum_s[0][v], sum_s[1][v]), sum_s[2][v]), sum_s[3][v]);
        run_sum[n][h] = __fadd_rn(__fmul_rn(run_sum[n][h], scale[n][h]), chunk_sum);
      }
#pragma unroll
      for (int i = 0; i < 2; ++i) {
#pragma unroll
        for (int e = 0; e < 4; ++e) out[i][n][e] = __fmul_rn(out[i][n][e], scale[n][e & 1]);
      }
    }

    // O^T += V^T · P^T over the chunk's keys, p as hi + lo terms.
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      uint2 vr[4];  // keys 16 s + 2t, + 1, + 8, + 9: features feature0 .. + 3
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        vr[u] = *reinterpret_cast<const uint2*>(v_s + (16 * s + 2 * t + (u & 1) + 8 * (u >> 1)) * kVStride + feature0);
      }
      uint32_t af[2][4];
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        // Word i of a key's 8 bytes: features 4g + 2i (low half: row g) and
        // 4g + 2i + 1 (high half: row g + 8).
        const uint32_t w0 = i == 0 ? vr[0].x : vr[0].y, w1 = i == 0 ? vr[1].x : vr[1].y;
        const uint32_t w2 = i == 0 ? vr[2].x : vr[2].y, w3 = i == 0 ? vr[3].x : vr[3].y;
        af[i][0] = __byte_perm(w0, w1, 0x5410);  // row g, keys 2t, 2t + 1
        af[i][1] = __byte_perm(w0, w1, 0x7632);  // row g + 8
        af[i][2] = __byte_perm(w2, w3, 0x5410);  // row g, keys 2t + 8, 2t + 9
        af[i][3] = __byte_perm(w2, w3, 0x7632);
      }
#pragma unroll
      for (int n = 0; n < kGroupTiles; ++n) {
        const float2 pa = *reinterpret_cast<const float2*>(&p_s[8 * (n0 + n) + g][16 * s + 2 * t]);
        const float2 pb = *reinterpret_cast<const float2*>(&p_s[8 * (n0 + n) + g][16 * s + 2 * t + 8]);
        const T ha0 = FromFloat<T>(pa.x), ha1 = FromFloat<T>(pa.y), hb0 = FromFloat<T>(pb.x), hb1 = FromFloat<T>(pb.y);
        const uint32_t hi0 = Pack2(ha0, ha1), hi1 = Pack2(hb0, hb1);
        const uint32_t lo0 =
            Pack2(FromFloat<T>(__fsub_rn(pa.x, ToFloat<T>(ha0))), FromFloat<T>(__fsub_rn(pa.y, ToFloat<T>(ha1))));
        const uint32_t lo1 =
            Pack2(FromFloat<T>(__fsub_rn(pb.x, ToFloat<T>(hb0))), FromFloat<T>(__fsub_rn(pb.y, ToFloat<T>(hb1))));
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          Mma16816<T>(out[i][n], af[i][0], af[i][1], af[i][2], af[i][3], hi0, hi1);
          Mma16816<T>(out[i][n], af[i][0], af[i][1], af[i][2], af[i][3], lo0, lo1);
        }
      }
    }
    if (chunk + 1 < end_chunk) {
      __syncthreads();  // every warp's reads of the values' and p tiles
      CopyChunk<kThreads>(values, v_s, (chunk + 1) * kKeys, a.span, kVStride);
    }
  }

  // The block's partials: [KV][parts][R][D] outputs, then [..][2] (max, sum).
  const int64_t first = (static_cast<int64_t>(kv) * parts + part) * R;
#pragma unroll
  for (int n = 0; n < kGroupTiles; ++n) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int v = 8 * (n0 + n) + 2 * t + h;
      if (v >= R) continue;
      float* o = a.workspace + (first + v) * kD + feature0;
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        *reinterpret_cast<float2*>(o + 2 * i) = make_float2(out[i][n][h], out[i][n][h + 2]);
      }
      if (warp == 0 && g == 0) {
        float* ml = a.workspace + static_cast<int64_t>(a.kv_heads) * parts * R * kD + (first + v) * 2;
        ml[0] = run_max[n][h];
        ml[1] = run_sum[n][h];
      }
    }
  }
}

template <typename T, int kTiles>
const char* LaunchTiles(const CachedAttentionArgs& a, int parts, cudaStream_t stream) {
  constexpr int kSlots = Slots(kTiles);
  constexpr int kBytes = (kKeys * kKStride + kKeys * kVStride + 8 * kSlots * kKStride) * static_cast<int>(sizeof(T)) +
                         8 * kSlots * kPStride * static_cast<int>(sizeof(float));
  if constexpr (kBytes > 40 * 1024) {  // near the 48 KB default with the static arrays: opt in (per device)
    const cudaError_t set =
        cudaFuncSetAttribute(MmaChunkKernel<T, kTiles>, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes);
    if (set != cudaSuccess) return cudaGetErrorString(set);
  }
  return device::Launch(device::Overlap::kWithPrior, MmaChunkKernel<T, kTiles>, dim3(parts, a.kv_heads),
                        Threads(kTiles), kBytes, stream, a, parts);
}

// One block per (part, KV head) for all R <= 64 vectors: ceil(R / 8) tiles.
template <typename T>
const char* Launch(const CachedAttentionArgs& a, int parts, cudaStream_t stream) {
  switch ((a.rows * a.group + 7) / 8) {
    case 1: return LaunchTiles<T, 1>(a, parts, stream);
    case 2: return LaunchTiles<T, 2>(a, parts, stream);
    case 3: return LaunchTiles<T, 3>(a, parts, stream);
    case 4: return LaunchTiles<T, 4>(a, parts, stream);
    case 5: return LaunchTiles<T, 5>(a, parts, stream);
    case 6: return LaunchTiles<T, 6>(a, parts, stream);
    case 7: return LaunchTiles<T, 7>(a, parts, stream);
    case 8: return LaunchTiles<T, 8>(a, parts, stream);
    default: return "cached attention: unsupported shape (rows)";
  }
}

}  // namespace

bool CachedAttentionOnTensorCores(Dtype dtype, int head_dim, int query_rows, bool row_invariant) {
  // Row-invariant calls only (llama_kernels.h says why).
  return row_invariant && dtype != Dtype::kFloat32 && head_dim == kD && query_rows >= 1 &&
         query_rows <= kCachedAttentionMaxQueryRows;
}

const char* LaunchMmaAttentionChunks(const CachedAttentionArgs& a, int parts, cudaStream_t stream) {
  if (!CachedAttentionOnTensorCores(a.dtype, a.head_dim, a.rows * a.group, a.row_invariant)) {
    return "cached attention: unsupported shape";
  }
  switch (a.dtype) {
    case Dtype::kBFloat16: return Launch<__nv_bfloat16>(a, parts, stream);
    case Dtype::kFloat16: return Launch<__half>(a, parts, stream);
    case Dtype::kFloat32: break;
  }
  return "cached attention: unsupported dtype";
}

}  // namespace xsd::kernels
