// y [m, n] = x [m, k] · w [n, k]^T for bfloat16 with m ≤ 64 rows on tensor
// cores (mma.sync m16n8k16, float32 accumulation), written so that each row's
// result is the same whatever m: a row only ever meets its own x values and
// the weights, in one fixed k order, and rows past m are zeros that no
// other row reads. Decode (m = 1) and verify (m = γ + 1) then give a row the
// same bits at the speed of a weight stream, where the CUDA-core GEMV
// (llama_kernels.cu) is compute-bound from two rows on.
//
// Block: one tile of 8 output features, four warps splitting k (warp w takes
// the 64-wide k blocks w, w + 4, ...), partial sums added in warp order. A
// thread (group g = lane / 4, t = lane % 4) loads 32 contiguous bytes of
// weight row n0 + g per k block: elements [16t, 16t + 16). The mma's k slots
// are a permutation of physical k, the same for x and w: slots {2t, 2t+1,
// 2t+8, 2t+9} of mma j (j = 0..3) are elements 16t + 4j + {0, 1, 2, 3}.
#include "llama_kernels.h"

#include <cstdint>

#include "kernel_math.cuh"

namespace xsd::kernels {
namespace {

constexpr int kWarps = 4;
constexpr int kTileN = 8;
constexpr int kBlockK = 64;

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

template <int kMTiles>
__global__ void __launch_bounds__(kWarps * 32)
    SkinnyGemmBf16Kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                         __nv_bfloat16* __restrict__ y, int m, int n, int k) {
  device::WaitForPriorGrids();  // inputs and outputs belong to earlier kernels
  device::AllowDependentGrids();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int n0 = blockIdx.x * kTileN;
  const int blocks_k = k / kBlockK;
  float acc[kMTiles][4];
#pragma unroll
  for (int i = 0; i < kMTiles; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;
  const uint4* wrow = reinterpret_cast<const uint4*>(w + static_cast<int64_t>(n0 + g) * k + 16 * t);
#pragma unroll 4
  for (int kb = warp; kb < blocks_k; kb += kWarps) {
    const uint4 w0 = __ldg(wrow + kb * (kBlockK / 8)), w1 = __ldg(wrow + kb * (kBlockK / 8) + 1);
    const uint32_t b[8] = {w0.x, w0.y, w0.z, w0.w, w1.x, w1.y, w1.z, w1.w};
    const int k0 = kb * kBlockK + 16 * t;
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) {
      uint32_t top[8], bottom[8];  // rows 16i + g and 16i + g + 8
      LoadRow16(x, 16 * i + g, m, k, k0, top);
      LoadRow16(x, 16 * i + g + 8, m, k, k0, bottom);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        device::Mma16816<__nv_bfloat16>(acc[i], top[2 * j], bottom[2 * j], top[2 * j + 1], bottom[2 * j + 1], b[2 * j],
                                        b[2 * j + 1]);
      }
    }
  }
  // Partial sums of the four warps, added in warp order.
  __shared__ float part[kWarps][kMTiles][4][32];
#pragma unroll
  for (int i = 0; i < kMTiles; ++i) {
#pragma unroll
    for (int r = 0; r < 4; ++r) part[warp][i][r][lane] = acc[i][r];
  }
  __syncthreads();
  if (warp != 0) return;
#pragma unroll
  for (int i = 0; i < kMTiles; ++i) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      float s = part[0][i][r][lane];
#pragma unroll
      for (int v = 1; v < kWarps; ++v) s = __fadd_rn(s, part[v][i][r][lane]);
      // c0, c1: row g, columns 2t, 2t + 1; c2, c3: row g + 8.
      const int row = 16 * i + g + (r >= 2 ? 8 : 0), col = n0 + 2 * t + (r & 1);
      if (row < m) y[static_cast<int64_t>(row) * n + col] = __float2bfloat16_rn(s);
    }
  }
}

}  // namespace

const char* LaunchSkinnyGemmBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream) {
  if (m < 1 || m > kSkinnyGemmMaxRows || n < 1 || n % kTileN != 0 || k < kBlockK || k % kBlockK != 0) {
    return "skinny gemm: unsupported shape";
  }
  if (!device::Aligned16(x) || !device::Aligned16(w)) return "skinny gemm: x and w must be 16-byte aligned";
  const auto s = static_cast<cudaStream_t>(stream);
  const auto blocks = static_cast<unsigned>(n / kTileN);
  const auto* xb = static_cast<const __nv_bfloat16*>(x);
  const auto* wb = static_cast<const __nv_bfloat16*>(w);
  auto* yb = static_cast<__nv_bfloat16*>(y);
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  switch ((m + 15) / 16) {
    case 1:
      device::Launch(device::Overlap::kWithPrior, SkinnyGemmBf16Kernel<1>, blocks, kWarps * 32, 0, s, xb, wb, yb, mi,
                     ni, ki);
      break;
    case 2:
      device::Launch(device::Overlap::kWithPrior, SkinnyGemmBf16Kernel<2>, blocks, kWarps * 32, 0, s, xb, wb, yb, mi,
                     ni, ki);
      break;
    case 3:
      device::Launch(device::Overlap::kWithPrior, SkinnyGemmBf16Kernel<3>, blocks, kWarps * 32, 0, s, xb, wb, yb, mi,
                     ni, ki);
      break;
    default:
      device::Launch(device::Overlap::kWithPrior, SkinnyGemmBf16Kernel<4>, blocks, kWarps * 32, 0, s, xb, wb, yb, mi,
                     ni, ki);
      break;
  }
  return device::LastError();
}

}  // namespace xsd::kernels
