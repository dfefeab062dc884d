#include "xsd/models/attention.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <ATen/ATen.h>
#include <torch/version.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/models/weights_store.h"
#include "fused_kernels.h"
#include "row_invariant_cpu.h"

namespace xsd {

absl::StatusOr<AttentionMask> AttentionMask::Build(int past, int rows, int group, const at::Tensor& tree_mask,
                                                   const at::Tensor& like) {
  if (past < 0 || rows < 1 || group < 1) {
    return absl::InvalidArgumentError(absl::StrCat("attention mask: bad sizes past=", past, " rows=", rows,
                                                   " group=", group));
  }
  if (tree_mask.defined() && (tree_mask.dim() != 2 || tree_mask.size(0) != rows || tree_mask.size(1) != rows)) {
    return absl::InvalidArgumentError(absl::StrCat("attention mask: tree mask must be [", rows, ", ", rows, "], got ",
                                                   ShapeString(tree_mask.sizes().vec())));
  }
  AttentionMask m;
  m.past = past;
  m.rows = rows;
  m.group = group;
  if (rows == 1) return m;  // one row sees everything before it and itself
  if (!tree_mask.defined() && past == 0 && group == 1) {
    m.causal = true;
    return m;
  }
  return TorchCall("attention mask", [&]() -> absl::StatusOr<AttentionMask> {
    const auto bool_options = at::TensorOptions().dtype(at::kBool).device(like.device());
    const at::Tensor among = tree_mask.defined() ? tree_mask.to(like.device(), at::kBool)
                                                 : at::ones({rows, rows}, bool_options).tril();
    const at::Tensor allowed = at::cat({at::ones({rows, past}, bool_options), among}, 1);  // [T, L+T]
    at::Tensor bias = at::zeros({rows, past + rows}, like.options())
                          .masked_fill_(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    // The G query heads of one KV head are stacked row blocks of T rows each.
    m.bias = group == 1 ? bias : bias.repeat({group, 1});
    return m;
  });
}

#ifdef XSD_WITH_CUDA_KERNELS
namespace {

// libxsd's cached-attention kernels (kernels/cached_attention.cu: the decode
// kernel at one query vector per KV head or under row-invariant numerics,
// split-K otherwise): an undefined result when the call is not their shape.
absl::StatusOr<at::Tensor> AttendWithKernel(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                            const AttentionMask& mask, const at::Tensor& counters,
                                            bool row_invariant) {
  kernels::Dtype dtype;
  if (!q.is_cuda() || q.dim() != 3 || keys.dim() != 3 || !FusedKernelDtype(q, &dtype) ||
      NeedsAutograd(q, keys, values)) {
    return at::Tensor();
  }
  const int64_t rows = q.size(0), heads = q.size(1), head_dim = q.size(2);
  const int64_t kv_heads = keys.size(0), span = keys.size(1);
  if (kv_heads < 1 || heads % kv_heads != 0) return at::Tensor();
  const int64_t group = heads / kv_heads;
  const auto rows_contiguous = [&](const at::Tensor& t) {
    return t.scalar_type() == q.scalar_type() && t.device() == q.device() && t.sizes() == keys.sizes() &&
           t.stride(2) == 1 && t.stride(1) == head_dim;
  };
  const bool bias_ok = mask.bias.defined()
                           ? (mask.bias.scalar_type() == q.scalar_type() && mask.bias.device() == q.device() &&
                              mask.bias.dim() == 2 && mask.bias.size(0) == group * rows &&
                              mask.bias.size(1) == span && mask.bias.stride(1) == 1)
                           : rows == 1;
  if (mask.causal || !bias_ok || group * rows > kernels::kCachedAttentionMaxQueryRows || q.stride(2) != 1 ||
      !rows_contiguous(keys) || !rows_contiguous(values)) {
    return at::Tensor();
  }
  kernels::CachedAttentionArgs a;
  a.dtype = dtype;
  a.q = q.data_ptr();
  a.q_stride_t = q.stride(0);
  a.q_stride_h = q.stride(1);
  a.keys = keys.data_ptr();
  a.values = values.data_ptr();
  a.k_stride_h = keys.stride(0);
  a.v_stride_h = values.stride(0);
  if (mask.bias.defined()) {
    a.bias = mask.bias.data_ptr();
    a.bias_stride = mask.bias.stride(0);
  }
  a.rows = static_cast<int>(rows);
  a.group = static_cast<int>(group);
  a.kv_heads = static_cast<int>(kv_heads);
  a.span = static_cast<int>(span);
  a.head_dim = static_cast<int>(head_dim);
  a.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  a.row_invariant = row_invariant;
  at::Tensor out = at::empty({rows, heads * head_dim}, q.options());
  at::Tensor workspace = at::empty(
      {kernels::CachedAttentionWorkspaceFloats(a.rows, a.group, a.kv_heads, a.span, a.head_dim)},
      q.options().dtype(at::kFloat));
  a.out = out.data_ptr();
  a.workspace = workspace.data_ptr<float>();
  if (counters.defined() && counters.device() == q.device() && counters.scalar_type() == at::kInt &&
      counters.is_contiguous()) {
    a.counters = reinterpret_cast<unsigned*>(counters.data_ptr<int32_t>());
    a.counter_count = static_cast<int>(counters.numel());
  }
  const char* error = kernels::LaunchCachedAttention(a, CurrentCudaStream(q.device()));
  if (error == nullptr) return out;
  if (std::strstr(error, "unsupported") != nullptr || kernels::IsAlignmentError(error)) return at::Tensor();
  return absl::InternalError(absl::StrCat("cached attention kernel: ", error));
}

}  // namespace
#endif

namespace {

// A causal prefill on CUDA runs SDPA over its rows rounded up to a multiple
// of kPrefillBucket: torch's default backend there (cuDNN's) builds a plan
// for every new length, 70-74 ms on the H200 against 0.11 ms for the call
// itself (docs/PERFORMANCE.md run 10), so every new prompt length paid it.
// The padded query rows come after every real row, which a causal mask
// keeps from seeing them; their keys and values are the cache rows past the
// prompt (whatever they hold) and their outputs are dropped.
// Measured in run 11: the first call at a new length inside a known bucket
// costs what a repeat does (45-52 ms against 85-114 ms without buckets); a
// steady prefill costs ~1 ms more. KernelOptions::prefill_bucket off turns
// it off (the prefill tests run both).
// Only plain causal calls (one query head per KV head, no bias: what
// AttentionMask::Build makes causal) are padded; any other call keeps its rows.
constexpr int64_t kPrefillBucket = 64;

[[maybe_unused]] int64_t PrefillBucketRows(const at::Tensor& q, const AttentionMask& mask, int64_t rows,
                                           int64_t group, const KernelOptions& options) {
  if (!q.is_cuda() || !mask.causal || group != 1 || mask.bias.defined() || !options.prefill_bucket) {
    return rows;
  }
  return (rows + kPrefillBucket - 1) / kPrefillBucket * kPrefillBucket;
}

// A [heads, rows, head_dim] view of cache rows widened to `rows` rows of the
// same storage, or undefined where the storage does not hold them (a view
// that is not a cache's: keys and values made for the call).
[[maybe_unused]] at::Tensor WidenedRows(const at::Tensor& t, int64_t rows) {
  if (t.dim() != 3 || t.stride(2) != 1 || t.stride(1) != t.size(2) || t.stride(0) < rows * t.size(2)) {
    return at::Tensor();
  }
  const int64_t end = t.storage_offset() + (t.size(0) - 1) * t.stride(0) + rows * t.size(2);  // elements
  if (end * static_cast<int64_t>(t.element_size()) > static_cast<int64_t>(t.storage().nbytes())) return at::Tensor();
  return t.as_strided({t.size(0), rows, t.size(2)}, {t.stride(0), t.stride(1), 1}, t.storage_offset());
}

// Which implementation serves a call: options.attention_path when it names
// one (benchmarks, diagnostics, kernel-vs-ATen tests; a kernel that does not
// fit the call falls back to math + softmax). Otherwise, on CUDA, by query
// rows (G*T) as measured on the H200 at a span of 2 304 (docs/PERFORMANCE.md):
// - one row (decode): the kernel (cached_attention.cu's decode kernel), else
//   math. Not SDPA: there it takes cuDNN's attention, whose output for the
//   same inputs differs from call to call (identical runs of the target
//   parted in 8-10 of 18 requests; with it off, 18 of 18 matched).
// - causal prefill: SDPA (flash; reproducible in the same runs).
// - two rows and more: matmul + softmax (23-31 us at 2-17 rows, where SDPA's
//   kernels with a bias take 52-54 us and the split-K kernel 26-134 us).
// - row-invariant numerics: the kernel at every row count (tensor cores for
//   bf16/fp16 at head dim 128, else the decode kernel), so verify rows equal
//   decode steps.
AttentionPath ChooseAttentionPath(const at::Tensor& q, int64_t query_rows, const AttentionMask& mask,
                                  const KernelOptions& options) {
  if (options.attention_path != AttentionPath::kAuto) return options.attention_path;
#if TORCH_VERSION_MAJOR < 2
  (void)q;
  (void)query_rows;
  (void)mask;
  return AttentionPath::kMath;
#else
  if (!q.is_cuda() || mask.causal) return AttentionPath::kSdpa;
#ifdef XSD_WITH_CUDA_KERNELS
  if (options.row_invariant()) return AttentionPath::kKernel;
#endif
  return query_rows == 1 ? AttentionPath::kKernel : AttentionPath::kMath;
#endif
}

}  // namespace

absl::StatusOr<at::Tensor> AttendCached(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                        const AttentionMask& mask, const at::Tensor& counters,
                                        const KernelOptions& options) {
  return TorchCall("attention", [&]() -> absl::StatusOr<at::Tensor> {
    const int64_t rows = q.size(0), heads = q.size(1), head_dim = q.size(2);
    const int64_t kv_heads = keys.size(0);
    const int64_t group = heads / kv_heads;
    if (options.attention_path == AttentionPath::kAuto && keys.dim() == 3 && values.sizes() == keys.sizes() &&
        keys.size(2) == head_dim && heads % kv_heads == 0 &&
        RowInvariantOnCpu(options, rows, {q, keys, values, mask.bias})) {
      return RowInvariantAttendCpu(q, keys, values, mask);
    }
    AttentionPath path = ChooseAttentionPath(q, group * rows, mask, options);
#ifdef XSD_WITH_CUDA_KERNELS
    if (path == AttentionPath::kKernel) {
      absl::StatusOr<at::Tensor> fused = AttendWithKernel(q, keys, values, mask, counters, options.row_invariant());
      if (!fused.ok() || fused->defined()) return fused;
    }
#endif
#if TORCH_VERSION_MAJOR < 2
    path = AttentionPath::kMath;
#endif
    if (path == AttentionPath::kKernel) path = AttentionPath::kMath;  // the kernel did not fit the call
    // [T, H, D] -> [H, T, D] -> [KV, G*T, D]: head h uses KV head h / G.
    const at::Tensor stacked = q.transpose(0, 1).reshape({kv_heads, group * rows, head_dim});
    at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
    if (path == AttentionPath::kSdpa) {
      // 4-D inputs: the fused CUDA kernels (flash, memory-efficient) take only
      // [batch, heads, rows, head_dim]; 3-D inputs fall back to the math path.
      const c10::optional<at::Tensor> bias =
          mask.bias.defined() ? c10::optional<at::Tensor>(mask.bias.view({1, 1, group * rows, -1})) : c10::nullopt;
      at::Tensor q4 = stacked.unsqueeze(0), k4 = keys.unsqueeze(0), v4 = values.unsqueeze(0);
      const int64_t bucket = PrefillBucketRows(q, mask, rows, group, options);
      if (bucket > rows) {
        const at::Tensor wide_keys = WidenedRows(keys, bucket), wide_values = WidenedRows(values, bucket);
        if (wide_keys.defined() && wide_values.defined()) {
          q4 = at::constant_pad_nd(q4, {0, 0, 0, bucket - rows});
          k4 = wide_keys.unsqueeze(0);
          v4 = wide_values.unsqueeze(0);
        }
      }
      out = at::scaled_dot_product_attention(q4, k4, v4, bias, 0.0, mask.causal).squeeze(0);
      if (out.size(1) != group * rows) out = out.narrow(1, 0, group * rows);
    }
#endif
    if (path == AttentionPath::kMath) {
      const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
      at::Tensor scores;  // [KV, G*T, S]
      if (mask.bias.defined()) {
        // One GEMM for scale and bias: bias + scale * q k^T.
        scores = at::baddbmm(mask.bias.expand({kv_heads, group * rows, mask.bias.size(1)}), stacked,
                             keys.transpose(1, 2), /*beta=*/1, /*alpha=*/scale);
      } else {
        scores = at::matmul(stacked, keys.transpose(1, 2)) * scale;
        if (mask.causal) {
          const at::Tensor upper = at::ones({rows, rows}, scores.options().dtype(at::kBool)).triu(1);
          scores = scores.masked_fill(upper, -std::numeric_limits<double>::infinity());
        }
      }
      // Float32 inside the softmax kernel, one rounding to the dtype on output.
      const at::Tensor probs = at::softmax(scores, -1);
      out = at::matmul(probs, values);
    }
    // [KV, G*T, D] -> [H, T, D] -> [T, H*D]
    return out.reshape({heads, rows, head_dim}).transpose(0, 1).reshape({rows, heads * head_dim});
  });
}

}  // namespace xsd
