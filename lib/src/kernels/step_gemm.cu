// The Linear layers of decode and verify steps under row-invariant numerics
// (bf16, 1-64 rows): y [m, n] = x [m, k] · w [n, k]^T on tensor cores
// (mma.sync m16n8k16, float32 accumulation), with the weights as the
// 16-row operand and the step's tokens as the 8-wide one, so one to eight
// rows cost one pass over the weights (a verify of up to 7 drafts costs a
// decode step's weight stream).
//
// One numerics for every row count: an output element is the chain of mmas
// over its k chunks in a fixed order, then the four warps' partial sums added
// in warp order; the split of k (four warps, 64-wide chunks, warp w takes
// chunks w, w + 4, ...) depends on k alone, and a token's column of the mma
// meets only its own x values (columns past m are zeros no other column
// reads). So a verify row has the bits of the decode step that would have
// produced it. How many chunks are loaded before their mmas (kDepth) changes
// with the row count; the order of the sums does not.
//
// Block: one tile of 16 weight rows (A rows g and g + 8 of the mma: "lo" and
// "hi"), four warps splitting k. Per 64-wide chunk a thread (g = lane / 4,
// t = lane % 4) loads 16 bytes of rows lo(g) and hi(g) at elements 8t and
// 32 + 8t (a warp reads 64 contiguous bytes of 8 rows per load) and the same
// elements of token g of each 8-token tile; the mma's k slots {2t, 2t + 1,
// 2t + 8, 2t + 9} of mma j are elements 8t + 4(j % 2) + 32(j / 2) + {0..3},
// the same permutation for w and x.
//
// Epilogues pick which rows make a tile, so that what they combine lies in
// one thread (the C fragment holds rows g and g + 8 of tokens 2t, 2t + 1):
//   kStore     rows 16b .. 16b + 15, stored;
//   kSiluGate  gate rows 8b + g and their up rows inter + 8b + g of the fused
//              gate_up weight: round(silu(round(gate))) * round(up), as
//              Linear + LaunchSiluMul round;
//   kRopeCache dims j0 + g and half + j0 + g of one head of the fused qkv
//              weight: rounded, then rotated (queries, keys) and written as
//              LaunchRopeCacheWrite does (rope_math.cuh).
#include <cstdint>

#include "kernel_math.cuh"
#include "llama_kernels.h"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Round;
using device::ToFloat;

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kChunk = 64;  // k elements per chunk: 8 uint4 of a row
constexpr int kMaxTokenTiles = kStepGemmMaxRows / 8;

enum class Epilogue { kStore, kSiluGate, kRopeCache };

struct StepGemmParams {
  const __nv_bfloat16* x = nullptr;  // [m, k]
  const __nv_bfloat16* w = nullptr;  // [rows, k]
  int m = 0, k = 0;
  __nv_bfloat16* y = nullptr;  // kStore: [m, n]; kSiluGate: [m, inter]
  int n = 0;                   // kStore: outputs; kSiluGate: inter
  RopeCacheArgs rope;          // kRopeCache
};

// The weight rows of A rows g (lo) and g + 8 (hi) of tile `tile`; rows past
// the end repeat the last one (their outputs are not stored).
template <Epilogue E>
__device__ __forceinline__ void TileRows(const StepGemmParams& p, int tile, int g, int* lo, int* hi) {
  if constexpr (E == Epilogue::kStore) {
    *lo = min(16 * tile + g, p.n - 1);
    *hi = min(16 * tile + 8 + g, p.n - 1);
  } else if constexpr (E == Epilogue::kSiluGate) {
    const int c = min(8 * tile + g, p.n - 1);
    *lo = c;
    *hi = p.n + c;
  } else {
    const int half = p.rope.head_dim / 2, per_head = half / 8;
    const int head = tile / per_head, j0 = 8 * (tile - head * per_head);
    *lo = head * p.rope.head_dim + j0 + g;
    *hi = *lo + half;
  }
}

// Token g of tile i: its 16 bytes at uint4 offsets `at` and `at + 4` of its
// row (zeros past m).
__device__ __forceinline__ void LoadTokens(const StepGemmParams& p, int token, int at, uint4* lo, uint4* hi) {
  *lo = *hi = make_uint4(0u, 0u, 0u, 0u);
  if (token < p.m) {
    const uint4* row = reinterpret_cast<const uint4*>(p.x + static_cast<int64_t>(token) * p.k);
    *lo = __ldg(row + at);
    *hi = __ldg(row + at + 4);
  }
}

// acc[i] += the chunk's 64 k of A rows (lo, hi) times tile i's tokens.
// a: rows lo and hi at elements 8t (a[0], a[1]) and 32 + 8t (a[2], a[3]).
template <int kTiles>
__device__ __forceinline__ void MmaChunk(const StepGemmParams& p, int chunk, int g, int t, const uint4 (&a)[4],
                                         float (&acc)[kTiles][4]) {
#pragma unroll
  for (int i = 0; i < kTiles; ++i) {
    uint4 x0, x1;
    LoadTokens(p, 8 * i + g, 8 * chunk + t, &x0, &x1);
    device::Mma16816<__nv_bfloat16>(acc[i], a[0].x, a[1].x, a[0].y, a[1].y, x0.x, x0.y);
    device::Mma16816<__nv_bfloat16>(acc[i], a[0].z, a[1].z, a[0].w, a[1].w, x0.z, x0.w);
    device::Mma16816<__nv_bfloat16>(acc[i], a[2].x, a[3].x, a[2].y, a[3].y, x1.x, x1.y);
    device::Mma16816<__nv_bfloat16>(acc[i], a[2].z, a[3].z, a[2].w, a[3].w, x1.z, x1.w);
  }
}

// cp.async of 16 bytes, global to shared, bypassing L1; commit and wait.
__device__ __forceinline__ void CopyAsync16(void* smem, const void* gmem) {
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(gmem) : "memory");
}
__device__ __forceinline__ void CommitAsync() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int kPending>
__device__ __forceinline__ void WaitAsync() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

// kTiles 8-token tiles (m <= 8 kTiles). Weights reach the registers one of
// two ways (an A/B; the same sums in the same order either way):
// kAsyncStages == 0: kDepth chunks loaded into registers before their mmas;
// kAsyncStages > 0: a pipeline of that many chunks per warp in shared
// memory filled by cp.async, each lane copying the 64 bytes it reads.
template <int kTiles, int kDepth, int kAsyncStages, Epilogue E>
__global__ void __launch_bounds__(kThreads) StepGemmKernel(StepGemmParams p) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  int lo_row, hi_row;
  TileRows<E>(p, blockIdx.x, g, &lo_row, &hi_row);
  const uint4* wlo = reinterpret_cast<const uint4*>(p.w + static_cast<int64_t>(lo_row) * p.k) + t;
  const uint4* whi = reinterpret_cast<const uint4*>(p.w + static_cast<int64_t>(hi_row) * p.k) + t;
  const int chunks = p.k / kChunk;
  device::WaitForPriorGrids();  // nothing read before, as in the GEMVs (gemv.cu)
  device::AllowDependentGrids();
  float acc[kTiles][4];
#pragma unroll
  for (int i = 0; i < kTiles; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;
  int c = warp;
  if constexpr (kAsyncStages > 0) {
    extern __shared__ uint4 stages[];  // [warp][stage][4][32]
    uint4* mine = stages + warp * kAsyncStages * 4 * 32 + lane;
    const auto issue = [&](int chunk, int stage) {
      if (chunk < chunks) {
        const int at = 8 * chunk;
        uint4* d = mine + stage * 4 * 32;
        CopyAsync16(d, wlo + at);
        CopyAsync16(d + 32, whi + at);
        CopyAsync16(d + 64, wlo + at + 4);
        CopyAsync16(d + 96, whi + at + 4);
      }
      CommitAsync();
    };
#pragma unroll
    for (int s = 0; s < kAsyncStages - 1; ++s) issue(c + kWarps * s, s);
    for (int q = 0; c < chunks; c += kWarps, ++q) {
      issue(c + kWarps * (kAsyncStages - 1), (q + kAsyncStages - 1) % kAsyncStages);
      WaitAsync<kAsyncStages - 1>();
      const uint4* d = mine + (q % kAsyncStages) * 4 * 32;
      const uint4 a[4] = {d[0], d[32], d[64], d[96]};
      MmaChunk<kTiles>(p, c, g, t, a, acc);
    }
  }
  for (; kAsyncStages == 0 && c + kWarps * (kDepth - 1) < chunks; c += kWarps * kDepth) {
    uint4 a[kDepth][4];
#pragma unroll
    for (int s = 0; s < kDepth; ++s) {
      const int at = 8 * (c + kWarps * s);
      a[s][0] = __ldg(wlo + at);
      a[s][1] = __ldg(whi + at);
      a[s][2] = __ldg(wlo + at + 4);
      a[s][3] = __ldg(whi + at + 4);
    }
#pragma unroll
    for (int s = 0; s < kDepth; ++s) MmaChunk<kTiles>(p, c + kWarps * s, g, t, a[s], acc);
  }
  for (; c < chunks; c += kWarps) {
    const int at = 8 * c;
    const uint4 a[4] = {__ldg(wlo + at), __ldg(whi + at), __ldg(wlo + at + 4), __ldg(whi + at + 4)};
    MmaChunk<kTiles>(p, c, g, t, a, acc);
  }
  // The warps' partial sums, added in warp order; warp i % kWarps finishes
  // token tile i.
  __shared__ float part[kWarps][kTiles][4][32];
#pragma unroll
  for (int i = 0; i < kTiles; ++i) {
#pragma unroll
    for (int r = 0; r < 4; ++r) part[warp][i][r][lane] = acc[i][r];
  }
  __syncthreads();
#pragma unroll
  for (int i = 0; i < kTiles; ++i) {
    if (i % kWarps != warp || 8 * i >= p.m) continue;
    float s[4];  // rows lo, lo, hi, hi of tokens 2t, 2t + 1, 2t, 2t + 1
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      s[r] = part[0][i][r][lane];
#pragma unroll
      for (int v = 1; v < kWarps; ++v) s[r] = __fadd_rn(s[r], part[v][i][r][lane]);
    }
#pragma unroll
    for (int u = 0; u < 2; ++u) {
      const int token = 8 * i + 2 * t + u;
      if (token >= p.m) continue;
      if constexpr (E == Epilogue::kStore) {
        __nv_bfloat16* y = p.y + static_cast<int64_t>(token) * p.n;
        const int lo = 16 * blockIdx.x + g, hi = lo + 8;
        if (lo < p.n) y[lo] = FromFloat<__nv_bfloat16>(s[u]);
        if (hi < p.n) y[hi] = FromFloat<__nv_bfloat16>(s[2 + u]);
      } else if constexpr (E == Epilogue::kSiluGate) {
        const int c8 = 8 * blockIdx.x + g;
        if (c8 < p.n) {
          const float gate = Round<__nv_bfloat16>(s[u]), up = Round<__nv_bfloat16>(s[2 + u]);
          p.y[static_cast<int64_t>(token) * p.n + c8] =
              FromFloat<__nv_bfloat16>(device::SiluRounded<__nv_bfloat16>(gate) * up);
        }
      } else {
        const RopeCacheArgs& a = p.rope;
        const int D = a.head_dim, half = D / 2;
        const int head = lo_row / D, dim = lo_row - head * D;  // dim < half; its partner dim + half
        __nv_bfloat16* dst = device::RopeDestination<__nv_bfloat16>(a, head, token);
        const float x1 = Round<__nv_bfloat16>(s[u]), x2 = Round<__nv_bfloat16>(s[2 + u]);
        if (head >= a.heads + a.kv_heads) {  // values: stored as they are
          dst[dim] = FromFloat<__nv_bfloat16>(x1);
          dst[dim + half] = FromFloat<__nv_bfloat16>(x2);
        } else {
          const auto* cos = static_cast<const __nv_bfloat16*>(a.cos) + static_cast<int64_t>(token) * D;
          const auto* sin = static_cast<const __nv_bfloat16*>(a.sin) + static_cast<int64_t>(token) * D;
          float lo, hi;
          device::RotatePair<__nv_bfloat16>(x1, x2, ToFloat(cos[dim]), ToFloat(sin[dim]), ToFloat(cos[dim + half]),
                                            ToFloat(sin[dim + half]), &lo, &hi);
          dst[dim] = FromFloat<__nv_bfloat16>(lo);
          dst[dim + half] = FromFloat<__nv_bfloat16>(hi);
        }
      }
    }
  }
}

// Chunks loaded together: 4 (16 loads of 16 bytes in flight per lane, as the
// GEMVs found best) while the accumulators are few, 2 from three token tiles.
// The cp.async form: 4 chunks per warp (8 KB), 32 KB per block.
constexpr int kAsyncStagesUsed = 4;

template <int kTiles, Epilogue E>
const char* LaunchTiles(const StepGemmParams& p, unsigned blocks, StepGemmPipeline pipeline, cudaStream_t stream) {
  constexpr int kDepth = kTiles <= 2 ? 4 : 2;
  if (pipeline == StepGemmPipeline::kAsyncCopy) {
    constexpr size_t kBytes = sizeof(uint4) * kWarps * kAsyncStagesUsed * 4 * 32;
    return device::Launch(device::Overlap::kWithPrior, StepGemmKernel<kTiles, kDepth, kAsyncStagesUsed, E>, blocks,
                          kThreads, kBytes, stream, p);
  }
  return device::Launch(device::Overlap::kWithPrior, StepGemmKernel<kTiles, kDepth, 0, E>, blocks, kThreads, 0,
                        stream, p);
}

template <Epilogue E>
const char* LaunchStepGemm(const StepGemmParams& p, unsigned blocks, StepGemmPipeline pipeline, void* stream) {
  const auto s = static_cast<cudaStream_t>(stream);
  const char* error = nullptr;
  switch ((p.m + 7) / 8) {
    case 1: error = LaunchTiles<1, E>(p, blocks, pipeline, s); break;
    case 2: error = LaunchTiles<2, E>(p, blocks, pipeline, s); break;
    case 3: error = LaunchTiles<3, E>(p, blocks, pipeline, s); break;
    case 4: error = LaunchTiles<4, E>(p, blocks, pipeline, s); break;
    case 5: error = LaunchTiles<5, E>(p, blocks, pipeline, s); break;
    case 6: error = LaunchTiles<6, E>(p, blocks, pipeline, s); break;
    case 7: error = LaunchTiles<7, E>(p, blocks, pipeline, s); break;
    default: error = LaunchTiles<kMaxTokenTiles, E>(p, blocks, pipeline, s); break;
  }
  return error != nullptr ? error : device::LastError();
}

const char* CheckOperands(const void* x, const void* w, int64_t m, int64_t k) {
  if (m < 1 || m > kStepGemmMaxRows || k < kChunk || k % kChunk != 0 || k > INT32_MAX) {
    return "step gemm: unsupported shape";
  }
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "step gemm: x and w must be 16-byte aligned";
  return nullptr;
}

StepGemmParams Operands(const void* x, const void* w, int64_t m, int64_t k) {
  StepGemmParams p;
  p.x = static_cast<const __nv_bfloat16*>(x);
  p.w = static_cast<const __nv_bfloat16*>(w);
  p.m = static_cast<int>(m);
  p.k = static_cast<int>(k);
  return p;
}

}  // namespace

const char* LaunchStepGemmBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream,
                               StepGemmPipeline pipeline) {
  if (const char* error = CheckOperands(x, w, m, k)) return error;
  if (n < 1 || n > INT32_MAX) return "step gemm: unsupported shape";
  StepGemmParams p = Operands(x, w, m, k);
  p.y = static_cast<__nv_bfloat16*>(y);
  p.n = static_cast<int>(n);
  return LaunchStepGemm<Epilogue::kStore>(p, static_cast<unsigned>((n + 15) / 16), pipeline, stream);
}

const char* LaunchStepGemmSiluGateBf16(const void* x, const void* w, void* y, int64_t m, int64_t inter, int64_t k,
                                       void* stream, StepGemmPipeline pipeline) {
  if (const char* error = CheckOperands(x, w, m, k)) return error;
  if (inter < 1 || inter > INT32_MAX / 2) return "step gemm silu-gate: unsupported shape";
  StepGemmParams p = Operands(x, w, m, k);
  p.y = static_cast<__nv_bfloat16*>(y);
  p.n = static_cast<int>(inter);
  return LaunchStepGemm<Epilogue::kSiluGate>(p, static_cast<unsigned>((inter + 7) / 8), pipeline, stream);
}

const char* LaunchStepGemmRopeCacheBf16(const void* x, const void* w, int64_t k, const RopeCacheArgs& a,
                                        void* stream, StepGemmPipeline pipeline) {
  if (const char* error = CheckOperands(x, w, a.rows, k)) return error;
  if (a.dtype != Dtype::kBFloat16 || a.heads < 1 || a.kv_heads < 1 || a.head_dim < 16 || a.head_dim % 16 != 0) {
    return "step gemm rope cache: unsupported shape";
  }
  StepGemmParams p = Operands(x, w, a.rows, k);
  p.rope = a;
  const int64_t tiles = static_cast<int64_t>(a.heads + 2 * a.kv_heads) * (a.head_dim / 16);
  return LaunchStepGemm<Epilogue::kRopeCache>(p, static_cast<unsigned>(tiles), pipeline, stream);
}

}  // namespace xsd::kernels
