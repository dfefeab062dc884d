// Fused CUDA kernels for the LLaMA decoder's small per-row operations, which
// otherwise cost several ATen kernels each (a decode step is launch-bound:
// docs/PERFORMANCE.md). Plain C++ interface (no CUDA or torch types), so the
// callers (models/llama_rms_norm.cc, llama_mlp.cc) compile in any build; the
// kernels exist only in CUDA builds with nvcc (XSD_WITH_CUDA_KERNELS).
//
// Numerics follow the ATen formulas they replace, step by step: float32
// arithmetic, rounding to the tensor dtype where ATen rounds (the residual
// sum, the normalised value, the SiLU output, each product).
#pragma once

#include <cstdint>
#include <cstring>

namespace xsd::kernels {

enum class Dtype { kFloat32, kBFloat16, kFloat16 };

// The launchers' errors for pointers a kernel cannot take (16-byte
// alignment) say "aligned": a misaligned view is legal input, and the
// callers take their general path for it instead of failing.
inline bool IsAlignmentError(const char* error) { return error != nullptr && std::strstr(error, "aligned") != nullptr; }

// Per row of `dim` elements: h = x (+ residual, rounded; written to sum_out
// when given); out = weight * round(h * rsqrt(mean(h^2) + eps)).
// Returns nullptr, or the CUDA error string of the launch.
const char* LaunchRmsNorm(Dtype dtype, const void* x, const void* residual, void* sum_out, const void* weight,
                          void* out, int64_t rows, int dim, float eps, void* stream);

// gate_up [rows, 2 * inter] (gate | up) -> out [rows, inter] =
// round(silu(gate)) * up.
const char* LaunchSiluMul(Dtype dtype, const void* gate_up, void* out, int64_t rows, int64_t inter, void* stream);

// y [m, n] = x [m, k] · w [n, k]^T for bfloat16, m <= kGemvMaxRows, k a
// multiple of 8, x and w 16-byte aligned; float32 accumulation, one
// rounding. Each row's sum is the same whatever m (row-invariant). Decode and verify steps are GEMV-shaped (m = 1 .. a
// few rows): each weight row is read once for all m rows, with 16-byte loads.
inline constexpr int kGemvMaxRows = 8;
const char* LaunchGemvBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream);

// The same product on tensor cores for m <= kSkinnyGemmMaxRows rows, n a
// multiple of 8, k a multiple of 64, x and w 16-byte aligned: each row's
// result is the same whatever m (skinny_gemm.cu); weight-streaming speed to
// ~8 rows. Row-invariant numerics run it for every Linear it takes
// (xsd/models/kernel_options.h).
inline constexpr int kSkinnyGemmMaxRows = 64;
const char* LaunchSkinnyGemmBf16(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k, void* stream);
// The same product over the fused gate_up weight [2 * inter, k] (inter a
// multiple of 4) with the SiLU in its epilogue: y [m, inter] =
// round(silu(round(gate))) * round(up), rounded: the bits of
// LaunchSkinnyGemmBf16 followed by LaunchSiluMul, one kernel.
const char* LaunchSkinnyGemmSiluGateBf16(const void* x, const void* w, void* y, int64_t m, int64_t inter, int64_t k,
                                         void* stream);

// One row of the LLaMA MLP's first half: x [1, k] and the fused gate_up
// weight [2 * inter, k] (gate rows, then up rows) -> y [1, inter] =
// round(silu(round(gate))) * round(up), rounded; bfloat16, the GEMV's
// conditions. The same bits as LaunchGemvBf16 followed by LaunchSiluMul.
const char* LaunchGemvSiluGateBf16(const void* x, const void* w, void* y, int64_t inter, int64_t k, void* stream);

// Attention of a few new rows over cached keys and values (decode, verify):
// q [rows, heads, D] with strides (q_stride_t, q_stride_h, 1); keys and
// values [kv_heads, span, D] with strides (k/v_stride_h, D, 1); bias (may be
// null) additive, [group * rows, span] with row stride bias_stride, row
// g * rows + t for query head kv * group + g; out [rows, heads * D]
// contiguous. scale multiplies q . k before the bias. workspace: at least
// CachedAttentionWorkspaceFloats(...) floats. A row's output does not depend
// on the other rows of the call (see cached_attention.cu). With
// row_invariant, bf16/fp16 at head_dim 128 run on tensor cores
// (attention_mma.cu; CachedAttentionOnTensorCores) and other shapes take the
// decode kernel (head_dim 16-256, a power of two), so a row gives the same
// bits whatever the number of rows, 1 included. Otherwise one query vector
// per KV head (group * rows == 1) takes the decode kernel and several the
// split-K kernel.
inline constexpr int kCachedAttentionMaxQueryRows = 64;  // group * rows
struct CachedAttentionArgs {
  Dtype dtype = Dtype::kBFloat16;
  const void* q = nullptr;
  int64_t q_stride_t = 0, q_stride_h = 0;
  const void* keys = nullptr;
  const void* values = nullptr;
  int64_t k_stride_h = 0, v_stride_h = 0;
  const void* bias = nullptr;
  int64_t bias_stride = 0;
  void* out = nullptr;
  float* workspace = nullptr;
  // Optional: counter_count zeroed uint32 counters (at least kv_heads *
  // ceil(rows * group / 4)) that the decode kernel uses to combine its chunks
  // in their last block instead of a second kernel, and leaves zeroed. One
  // set per sequence (KvCache::kernel_counters): two launches in flight at
  // once must not share them.
  unsigned* counters = nullptr;
  int counter_count = 0;
  int rows = 0, group = 1, kv_heads = 0, span = 0, head_dim = 0;
  float scale = 1.0f;
  bool row_invariant = false;
};
int64_t CachedAttentionWorkspaceFloats(int rows, int group, int kv_heads, int span, int head_dim);
// Whether a call runs the tensor-core kernel (attention_mma.cu: bf16 or
// fp16, head_dim 128, 1-64 query vectors per KV head): only under
// row-invariant numerics, where decode and verify must share it. In default
// mode (false) decode keeps the decode kernel (15 vs 17-19 us per 7B layer)
// and verify matmul + softmax: with the tensor-core kernel in verify only,
// planted acceptance fell (decode_a100 44 -> 24 %, 1.74x -> 1.55x;
// docs/PERFORMANCE.md run 8) although verify itself got 0.1-0.3 ms faster.
bool CachedAttentionOnTensorCores(Dtype dtype, int head_dim, int query_rows, bool row_invariant);
const char* LaunchCachedAttention(const CachedAttentionArgs& args, void* stream);

// Rotary embedding fused with the cache write. qkv [rows, (heads + 2 *
// kv_heads) * D] (row stride qkv_stride_t, q | k | v); cos, sin [rows, D]
// contiguous. Writes rotated queries to q_out [rows, heads, D] (contiguous),
// rotated keys and the values to k_cache / v_cache [kv_heads, capacity, D]
// (strides k/v_stride_h, D, 1) at row cache_rows[t] (int64 on the device) or,
// when cache_rows is null, base + t.
struct RopeCacheArgs {
  Dtype dtype = Dtype::kBFloat16;
  const void* qkv = nullptr;
  int64_t qkv_stride_t = 0;
  const void* cos = nullptr;
  const void* sin = nullptr;
  void* q_out = nullptr;
  void* k_cache = nullptr;
  void* v_cache = nullptr;
  int64_t k_stride_h = 0, v_stride_h = 0;
  const int64_t* cache_rows = nullptr;
  int64_t base = 0;
  int rows = 0, heads = 0, kv_heads = 0, head_dim = 0;
};
const char* LaunchRopeCacheWrite(const RopeCacheArgs& args, void* stream);

// The qkv projection of one bf16 row (x [k], w [(heads + 2 kv_heads) D, k],
// the GEMV's conditions) fused with LaunchRopeCacheWrite (args.rows == 1,
// head_dim a multiple of 4; args.qkv unused): the same bits as
// LaunchGemvBf16 followed by LaunchRopeCacheWrite, one kernel.
const char* LaunchGemvRopeCacheBf16(const void* x, const void* w, int64_t k, const RopeCacheArgs& args, void* stream);

// The qkv projection of a.rows = 1..kSkinnyGemmMaxRows bf16 rows on the
// skinny GEMM (head_dim a multiple of 8, k of 64) fused with
// LaunchRopeCacheWrite: the bits of LaunchSkinnyGemmBf16 followed by
// LaunchRopeCacheWrite, one kernel.
const char* LaunchSkinnyGemmRopeCacheBf16(const void* x, const void* w, int64_t k, const RopeCacheArgs& args,
                                          void* stream);

}  // namespace xsd::kernels
