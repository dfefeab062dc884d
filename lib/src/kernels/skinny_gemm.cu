// y [m, n] = x [m, k] · w [n, k]^T for bfloat16 with m ≤ 64 rows on tensor
// cores (mma.sync m16n8k16, float32 accumulation), written so that each row's
// result is the same whatever m: a row only ever meets its own x values and
// the weights, in one fixed k order, and rows past m are zeros that no
// other row reads. Decode (m = 1) and verify (m = γ + 1) then give a row the
// same bits at the speed of a weight stream, where the CUDA-core GEMV
// (gemv.cu) is compute-bound from two rows on.
//
// Block: kColTiles tiles of 8 output columns (weight rows), kWarps warps
// splitting k (warp w takes the 64-wide k blocks w, w + kWarps, ...; kWarps
// depends on the weight's shape alone: SplitWarps), partial sums added in
// warp order. A thread (group g = lane / 4, t = lane % 4) loads 32
// contiguous bytes of the weight row of column g of each tile per k block:
// elements [16t, 16t + 16). The mma's k slots are a permutation of physical
// k, the same for x and w: slots {2t, 2t+1, 2t+8, 2t+9} of mma j (j = 0..3)
// are elements 16t + 4j + {0, 1, 2, 3}. A column's sum is the same whatever
// the tiles beside it in its block, so kColTiles is free to follow the row
// count (LaunchColumns): one tile per block at few rows (the most blocks),
// four at many rows, where every block reads all of x from L2 once per k
// block.
//
// Epilogues choose which weight rows make a tile's 8 columns, so that what
// they combine lands in one thread (the C fragment holds columns 2t and
// 2t + 1 of rows g and g + 8):
//   kStore     rows 8b .. 8b + 7, stored;
//   kSiluGate  column 2c: gate row 4b + c, column 2c + 1: its up row inter +
//              4b + c of the fused gate_up weight: round(silu(round(gate))) *
//              round(up), as Linear + LaunchSiluMul round;
//   kRopeCache column 2c: dim j0 + c of one head of the fused qkv weight,
//              column 2c + 1: dim half + j0 + c: rounded, then rotated
//              (queries, keys) and written as LaunchRopeCacheWrite does
//              (rope_math.cuh).
// A column's sum does not depend on its position in the tile, so the fused
// forms give the bits of kStore followed by the SiLU or rotary kernel.
#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"
#include "rope_math.cuh"

namespace xsd::kernels {
namespace {

using device::FromFloat;
using device::Round;
using device::ToFloat;

constexpr int kTileN = 8;
constexpr int kBlockK = 64;

enum class Epilogue { kStore, kSiluGate, kRopeCache };

struct SkinnyParams {
  const __nv_bfloat16* x = nullptr;  // [m, k]
  const __nv_bfloat16* w = nullptr;  // [rows, k]
  int m = 0, k = 0;
  __nv_bfloat16* y = nullptr;  // kStore: [m, n]; kSiluGate: [m, inter]
  int n = 0;                   // kStore: outputs; kSiluGate: inter
  RopeCacheArgs rope;          // kRopeCache
};

// The weight row of column `col` of tile `tile`.
template <Epilogue E>
__device__ __forceinline__ int ColumnRow(const SkinnyParams& p, int tile, int col) {
  if constexpr (E == Epilogue::kStore) {
    return kTileN * tile + col;
  } else if constexpr (E == Epilogue::kSiluGate) {
    const int c = 4 * tile + (col >> 1);
    return (col & 1) ? p.n + c : c;
  } else {
    const int half = p.rope.head_dim / 2, per_head = half / 4;
    const int head = tile / per_head, j0 = 4 * (tile - head * per_head);
    return head * p.rope.head_dim + j0 + (col >> 1) + ((col & 1) ? half : 0);
  }
}

// 16 bf16 of row `row` (zeros past m) at k offset `k0`, as 8 words.
__device__ __forceinline__ void LoadRow16(const __nv_bfloat16* __restrict__ x, int row, int m, int64_t k, int k0,
                                          uint32_t (&out)[8]) {
  uint4 lo = make_uint4(0u, 0u, 0u, 0u), hi = lo;
  if (row < m) {
    const uint4* p = reinterpret_cast<const uint4*>(x + row * k + k0);
    lo = __ldg(p);
    hi = __ldg(p + 1);
  }
  out[0] = lo.x, out[1] = lo.y, out[2] = lo.z, out[3] = lo.w;
  out[4] = hi.x, out[5] = hi.y, out[6] = hi.z, out[7] = hi.w;
}

// Row `row` of the output (a token) gets columns 2t, 2t + 1 of tile `tile`:
// v0, v1 (their sums).
template <Epilogue E>
__device__ __forceinline__ void Finish(const SkinnyParams& p, int tile, int row, int t, float v0, float v1) {
  if (row >= p.m) return;
  if constexpr (E == Epilogue::kStore) {
    __nv_bfloat16* y = p.y + static_cast<int64_t>(row) * p.n + kTileN * tile + 2 * t;
    y[0] = FromFloat<__nv_bfloat16>(v0);
    y[1] = FromFloat<__nv_bfloat16>(v1);
  } else if constexpr (E == Epilogue::kSiluGate) {
    const int c = 4 * tile + t;
    const float gate = Round<__nv_bfloat16>(v0), up = Round<__nv_bfloat16>(v1);
    p.y[static_cast<int64_t>(row) * p.n + c] = FromFloat<__nv_bfloat16>(device::SiluRounded<__nv_bfloat16>(gate) * up);
  } else {
    const RopeCacheArgs& a = p.rope;
    const int D = a.head_dim, half = D / 2;
    const int lo_row = ColumnRow<E>(p, tile, 2 * t);
    const int head = lo_row / D, dim = lo_row - head * D;  // dim < half; its partner dim + half
    __nv_bfloat16* dst = device::RopeDestination<__nv_bfloat16>(a, head, row);
    const float x1 = Round<__nv_bfloat16>(v0), x2 = Round<__nv_bfloat16>(v1);
    if (head >= a.heads + a.kv_heads) {  // values: stored as they are
      dst[dim] = FromFloat<__nv_bfloat16>(x1);
      dst[dim + half] = FromFloat<__nv_bfloat16>(x2);
      return;
    }
    const auto* cos = static_cast<const __nv_bfloat16*>(a.cos) + static_cast<int64_t>(row) * D;
    const auto* sin = static_cast<const __nv_bfloat16*>(a.sin) + static_cast<int64_t>(row) * D;
    float lo, hi;
    device::RotatePair<__nv_bfloat16>(x1, x2, ToFloat(cos[dim]), ToFloat(sin[dim]), ToFloat(cos[dim + half]),
                                      ToFloat(sin[dim + half]), &lo, &hi);
    dst[dim] = FromFloat<__nv_bfloat16>(lo);
    dst[dim + half] = FromFloat<__nv_bfloat16>(hi);
  }
}

// kHalf (the last row tile's rows g + 8 past m; one row tile: m <= 8): they
// are held as constant zeros instead of loaded: the mma sees the same
// operands (same bits), in 32-36 registers instead of 48. Measured on an
// H100 (docs/PERFORMANCE.md run 18): decode 5.48-5.60 ms instead of
// 5.60-5.65. Eight k blocks per loop pass instead of four (same registers)
// moved the step by noise (5.48 / 5.53 vs 5.53 / 5.49 ms) and was deleted.
template <int kMTiles, int kColTiles, int kWarps, Epilogue E, bool kHalf = false>
__global__ void __launch_bounds__(kWarps * 32) SkinnyGemmBf16Kernel(SkinnyParams p) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int blocks_k = p.k / kBlockK, tile0 = kColTiles * blockIdx.x;
  float acc[kColTiles][kMTiles][4];
#pragma unroll
  for (int c = 0; c < kColTiles; ++c) {
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) acc[c][i][0] = acc[c][i][1] = acc[c][i][2] = acc[c][i][3] = 0.0f;
  }
  const uint4* wrow[kColTiles];
#pragma unroll
  for (int c = 0; c < kColTiles; ++c) {
    wrow[c] = reinterpret_cast<const uint4*>(p.w + static_cast<int64_t>(ColumnRow<E>(p, tile0 + c, g)) * p.k + 16 * t);
  }
#pragma unroll 4
  for (int kb = warp; kb < blocks_k; kb += kWarps) {
    uint32_t b[kColTiles][8];
#pragma unroll
    for (int c = 0; c < kColTiles; ++c) {
      const uint4 w0 = __ldg(wrow[c] + kb * (kBlockK / 8)), w1 = __ldg(wrow[c] + kb * (kBlockK / 8) + 1);
      b[c][0] = w0.x, b[c][1] = w0.y, b[c][2] = w0.z, b[c][3] = w0.w;
      b[c][4] = w1.x, b[c][5] = w1.y, b[c][6] = w1.z, b[c][7] = w1.w;
    }
    const int k0 = kb * kBlockK + 16 * t;
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) {
      uint32_t top[8], bottom[8] = {};  // rows 16i + g and 16i + g + 8
      LoadRow16(p.x, 16 * i + g, p.m, p.k, k0, top);
      if (!kHalf || i + 1 < kMTiles) LoadRow16(p.x, 16 * i + g + 8, p.m, p.k, k0, bottom);
#pragma unroll
      for (int c = 0; c < kColTiles; ++c) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          device::Mma16816<__nv_bfloat16>(acc[c][i], top[2 * j], bottom[2 * j], top[2 * j + 1], bottom[2 * j + 1],
                                          b[c][2 * j], b[c][2 * j + 1]);
        }
      }
    }
  }
  // Partial sums of the warps, added in warp order, one column tile at a
  // time; warp i % kWarps finishes row tile i.
  __shared__ float part[kWarps][kMTiles][4][32];
#pragma unroll
  for (int c = 0; c < kColTiles; ++c) {
    if (c > 0) __syncthreads();  // the previous tile's sums are read
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) {
#pragma unroll
      for (int r = 0; r < 4; ++r) part[warp][i][r][lane] = acc[c][i][r];
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) {
      if (i % kWarps != warp) continue;
      float s[4];  // c0, c1: row g, columns 2t, 2t + 1; c2, c3: row g + 8
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        s[r] = part[0][i][r][lane];
#pragma unroll
        for (int v = 1; v < kWarps; ++v) s[r] = __fadd_rn(s[r], part[v][i][r][lane]);
      }
      Finish<E>(p, tile0 + c, 16 * i + g, t, s[0], s[1]);
      Finish<E>(p, tile0 + c, 16 * i + g + 8, t, s[2], s[3]);
    }
  }
}

template <int kMTiles, int kColTiles, int kWarps, Epilogue E, bool kHalf = false>
const char* LaunchTiles(const SkinnyParams& p, unsigned tiles, cudaStream_t s) {
  return device::Launch(device::Overlap::kWithPrior, SkinnyGemmBf16Kernel<kMTiles, kColTiles, kWarps, E, kHalf>,
                        tiles / kColTiles, dim3(kWarps * 32), 0, s, p);
}

// Column tiles per block: one at one row tile (up to 16 rows), at most two at
// two row tiles (17-32 rows), four from three (two or one where four or two do
// not divide the tiles). Measured on an H100 (docs/PERFORMANCE.md): at two row
// tiles two instead of four (80 registers instead of 128-148, three blocks per
// SM instead of one) made verify of 17 / 25 / 32 rows 7.04-7.13 / 7.62-7.71 /
// 7.83-7.89 ms instead of 7.44-7.65 / 7.98-8.04 / 8.13-8.18 (run 18); at three
// row tiles two made 33 rows 9.97-10.15 ms instead of 9.43-9.67 (run 18); with
// steps padded to 64 rows four made 33 rows 12.70 ms instead of 14.43 with two
// and 15.33 with one (run 13). Two at one row tile made 9 rows 8.39 ms instead
// of 7.18 (run 13; half the blocks: the o and down projections then have two
// per SM).
// Where the last row tile's rows g + 8 are past m (17-24 rows with two
// column tiles), it is the half tile: verify of 17 / 21 / 24 rows 6.96 /
// 7.22 / 7.29-7.30 ms instead of 7.09 / 7.33-7.34 / 7.41 (run 19).
template <int kMTiles, int kWarps, Epilogue E>
const char* LaunchColumns(const SkinnyParams& p, unsigned tiles, cudaStream_t s) {
  if constexpr (kMTiles == 1) {
    if (p.m <= 8) return LaunchTiles<1, 1, kWarps, E, true>(p, tiles, s);
    return LaunchTiles<1, 1, kWarps, E>(p, tiles, s);
  } else {
    if constexpr (kMTiles >= 3) {
      if (tiles % 4 == 0) return LaunchTiles<kMTiles, 4, kWarps, E>(p, tiles, s);
    }
    if (tiles % 2 == 0) {
      if (p.m <= 16 * kMTiles - 8) return LaunchTiles<kMTiles, 2, kWarps, E, true>(p, tiles, s);
      return LaunchTiles<kMTiles, 2, kWarps, E>(p, tiles, s);
    }
    return LaunchTiles<kMTiles, 1, kWarps, E>(p, tiles, s);
  }
}

template <int kWarps, Epilogue E>
const char* LaunchWarps(const SkinnyParams& p, unsigned tiles, cudaStream_t s) {
  switch ((p.m + 15) / 16) {
    case 1: return LaunchColumns<1, kWarps, E>(p, tiles, s);
    case 2: return LaunchColumns<2, kWarps, E>(p, tiles, s);
    case 3: return LaunchColumns<3, kWarps, E>(p, tiles, s);
    default: return LaunchColumns<4, kWarps, E>(p, tiles, s);
  }
}

// Warps sharing a tile's k: eight for weights of more than 4096 x 4096
// elements (the 7B's qkv, gate/up, down and LM head), four for smaller ones
// (its o projection): fixed per weight shape, never per row count, so one
// numerics for every step. Measured on an H100 (docs/PERFORMANCE.md run 12,
// steps padded to 8 / 16 / 32 rows then): eight for every shape made verify
// of 5 / 9 / 17 rows cost 1.00 / 1.16 / 1.49
// decode steps instead of 1.08 / 1.25 / 1.57, but the o projection slower
// (11.4 vs 9.0 us at one row) and the decode step 0.07-0.13 ms slower.
int SplitWarps(int64_t weight_rows, int64_t k) { return weight_rows * k > int64_t{4096} * 4096 ? 8 : 4; }

template <Epilogue E>
const char* LaunchSkinny(const SkinnyParams& p, int64_t weight_rows, unsigned tiles, void* stream) {
  const auto s = static_cast<cudaStream_t>(stream);
  const char* error =
      SplitWarps(weight_rows, p.k) == 8 ? LaunchWarps<8, E>(p, tiles, s) : LaunchWarps<4, E>(p, tiles, s);
  return error != nullptr ? error : device::LastError();
}

const char* CheckOperands(const void* x, const void* w, int64_t m, int64_t k) {
  if (m < 1 || m > kSkinnyGemmMaxRows || k < kBlockK || k % kBlockK != 0 || k > INT32_MAX) {
    return "skinny gemm: unsupported shape";
  }
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "skinny gemm: x and w must be 16-byte aligned";
  return nullptr;
}

SkinnyParams Operands(const void* x, const void* w, int64_t m, int64_t k) {
  SkinnyParams p;
  p.x = static_cast<const __nv_bfloat16*>(x);
  p.w = static_cast<const __nv_bfloat16*>(w);
  p.m = static_cast<int>(m);
  p.k = static_cast<int>(k);
  return p;
}

}  // namespace

const char* LaunchSkinnyGemmBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream) {
  if (const char* error = CheckOperands(x, w, m, k)) return error;
  if (n < 1 || n % kTileN != 0 || n > INT32_MAX) return "skinny gemm: unsupported shape";
  SkinnyParams p = Operands(x, w, m, k);
  p.y = static_cast<__nv_bfloat16*>(y);
  p.n = static_cast<int>(n);
  return LaunchSkinny<Epilogue::kStore>(p, n, static_cast<unsigned>(n / kTileN), stream);
}

const char* LaunchSkinnyGemmSiluGateBf16(const void* x, const void* w, void* y, int64_t m, int64_t inter, int64_t k,
                                         void* stream) {
  if (const char* error = CheckOperands(x, w, m, k)) return error;
  if (inter < 4 || inter % 4 != 0 || inter > INT32_MAX / 2) return "skinny gemm silu-gate: unsupported shape";
  SkinnyParams p = Operands(x, w, m, k);
  p.y = static_cast<__nv_bfloat16*>(y);
  p.n = static_cast<int>(inter);
  return LaunchSkinny<Epilogue::kSiluGate>(p, 2 * inter, static_cast<unsigned>(inter / 4), stream);
}

const char* LaunchSkinnyGemmRopeCacheBf16(const void* x, const void* w, int64_t k, const RopeCacheArgs& a,
                                          void* stream) {
  if (const char* error = CheckOperands(x, w, a.rows, k)) return error;
  if (a.dtype != Dtype::kBFloat16 || a.heads < 1 || a.kv_heads < 1 || a.head_dim < 8 || a.head_dim % 8 != 0) {
    return "skinny gemm rope cache: unsupported shape";
  }
  SkinnyParams p = Operands(x, w, a.rows, k);
  p.rope = a;
  const int64_t heads = a.heads + 2 * a.kv_heads;
  return LaunchSkinny<Epilogue::kRopeCache>(p, heads * a.head_dim, static_cast<unsigned>(heads * (a.head_dim / 8)),
                                            stream);
}

}  // namespace xsd::kernels
