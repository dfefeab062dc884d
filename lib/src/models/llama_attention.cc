#include "xsd/models/llama_attention.h"

#include <atomic>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/models/rope.h"
#include "fused_kernels.h"

namespace xsd {

absl::StatusOr<LlamaAttention> LlamaAttention::Load(const ScopedWeights& weights, const LlamaConfig& config) {
  const int64_t h = config.hidden_size, qw = config.q_width(), kvw = config.kv_width();
  XSD_ASSIGN_OR_RETURN(at::Tensor q, weights.Take("q_proj.weight", {qw, h}));
  XSD_ASSIGN_OR_RETURN(at::Tensor k, weights.Take("k_proj.weight", {kvw, h}));
  XSD_ASSIGN_OR_RETURN(at::Tensor v, weights.Take("v_proj.weight", {kvw, h}));
  LlamaAttention a;
  a.heads_ = config.num_heads;
  a.kv_heads_ = config.num_kv_heads;
  a.head_dim_ = config.head_dim;
  XSD_ASSIGN_OR_RETURN(a.o_, weights.Take("o_proj.weight", {h, qw}));
  at::Tensor qb, kb, vb;
  if (config.attention_bias) {
    XSD_ASSIGN_OR_RETURN(qb, weights.Take("q_proj.bias", {qw}));
    XSD_ASSIGN_OR_RETURN(kb, weights.Take("k_proj.bias", {kvw}));
    XSD_ASSIGN_OR_RETURN(vb, weights.Take("v_proj.bias", {kvw}));
    XSD_ASSIGN_OR_RETURN(a.o_bias_, weights.Take("o_proj.bias", {h}));
  }
  XSD_RETURN_IF_ERROR(TorchCall(weights.prefix() + "q_proj/k_proj/v_proj: fusing", [&]() -> absl::Status {
    a.qkv_ = at::cat({q, k, v}, 0).contiguous();
    if (config.attention_bias) a.qkv_bias_ = at::cat({qb, kb, vb}, 0).contiguous();
    return absl::OkStatus();
  }));
  return a;
}

namespace {
std::atomic<int64_t> fused_qkv_rope_rows{0};
}  // namespace

int64_t LlamaAttention::FusedQkvRopeRows() { return fused_qkv_rope_rows.load(); }

#ifdef XSD_WITH_CUDA_KERNELS
absl::StatusOr<at::Tensor> LlamaAttention::RopeAndCacheWrite(const at::Tensor& qkv, const at::Tensor& x,
                                                             const LlamaForwardContext& ctx, KvCache* cache,
                                                             int layer) const {
  kernels::Dtype dtype;
  const bool project = x.defined();
  const at::Tensor& ref = project ? x : qkv;  // dtype and device of the call
  const KernelOptions& options = ctx.kernel_options;
  const at::Tensor& key_layer = cache->keys(layer);
  const at::Tensor& value_layer = cache->values(layer);
  const auto same = [&](const at::Tensor& t) {
    return t.scalar_type() == ref.scalar_type() && t.device() == ref.device();
  };
  const auto table_ok = [&](const at::Tensor& t) {
    return same(t) && t.dim() == 2 && t.size(0) == ctx.rows && t.size(1) == head_dim_ && t.is_contiguous();
  };
  const auto cache_ok = [&](const at::Tensor& t) {
    return same(t) && t.dim() == 3 && t.size(0) == kv_heads_ && t.size(2) == head_dim_ && t.stride(2) == 1 &&
           t.stride(1) == head_dim_;
  };
  // Eager mode writes rows [past, past + rows): they must fit (the ATen path
  // reports the overflow); static mode's device-side rows come from the step
  // runner, within the capacity.
  const bool rows_ok = ctx.write_rows.defined()
                           ? ctx.write_rows.scalar_type() == at::kLong && ctx.write_rows.device() == ref.device() &&
                                 ctx.write_rows.is_contiguous() && ctx.write_rows.numel() == ctx.rows
                           : ctx.past + ctx.rows <= cache->capacity();
  // The projection in the same kernel: bf16, no bias, the qkv_rope option
  // on; under row-invariant numerics the skinny GEMM's rotary form for 1-64
  // rows (what Linear would run for them, with the same bits), in fast mode
  // the GEMV's for one row.
  const int64_t k = qkv_.size(1);
  const bool project_common = project && x.scalar_type() == at::kBFloat16 && x.is_contiguous() &&
                              x.numel() == ctx.rows * k && qkv_.scalar_type() == at::kBFloat16 &&
                              qkv_.is_contiguous() && qkv_.device() == x.device() && !qkv_bias_.defined() &&
                              options.qkv_rope;
  const bool project_skinny = project_common && options.row_invariant() && ctx.rows >= 1 &&
                            ctx.rows <= kRowInvariantMaxRows && k % 64 == 0 && head_dim_ % 8 == 0;
  const bool project_gemv =
      project_common && !options.row_invariant() && options.gemv && ctx.rows == 1 && head_dim_ % 4 == 0;
  const bool project_ok = !project || project_skinny || project_gemv;
  const bool qkv_ok = project || (qkv.dim() == 2 && qkv.stride(1) == 1);
  if (!ref.is_cuda() || !FusedKernelDtype(ref, &dtype) || !qkv_ok || !project_ok || !table_ok(ctx.cos) ||
      !table_ok(ctx.sin) || !cache_ok(key_layer) || !cache_ok(value_layer) || !rows_ok ||
      !options.rope_kernel || NeedsAutograd(x, qkv, qkv_)) {
    return at::Tensor();
  }
  return TorchCall(project ? "qkv projection + rotary + cache write" : "rotary + cache write",
                   [&]() -> absl::StatusOr<at::Tensor> {
    at::Tensor q = at::empty({ctx.rows, heads_, head_dim_}, ref.options());
    kernels::RopeCacheArgs a;
    a.dtype = dtype;
    if (!project) {
      a.qkv = qkv.data_ptr();
      a.qkv_stride_t = qkv.stride(0);
    }
    a.cos = ctx.cos.data_ptr();
    a.sin = ctx.sin.data_ptr();
    a.q_out = q.data_ptr();
    a.k_cache = key_layer.data_ptr();
    a.v_cache = value_layer.data_ptr();
    a.k_stride_h = key_layer.stride(0);
    a.v_stride_h = value_layer.stride(0);
    if (ctx.write_rows.defined()) a.cache_rows = ctx.write_rows.data_ptr<int64_t>();
    a.base = ctx.past;
    a.rows = ctx.rows;
    a.heads = static_cast<int>(heads_);
    a.kv_heads = static_cast<int>(kv_heads_);
    a.head_dim = static_cast<int>(head_dim_);
    void* stream = CurrentCudaStream(ref.device());
    if (project) {
      const char* error =
          project_skinny ? kernels::LaunchSkinnyGemmRopeCacheBf16(x.data_ptr(), qkv_.data_ptr(), k, a, stream)
                       : kernels::LaunchGemvRopeCacheBf16(x.data_ptr(), qkv_.data_ptr(), k, a, stream);
      if (kernels::IsAlignmentError(error)) return at::Tensor();  // a misaligned view: the two-kernel path
      if (error != nullptr) {
        return absl::InternalError(absl::StrCat("qkv projection + rotary + cache write kernel: ", error));
      }
      fused_qkv_rope_rows.fetch_add(1);
      return q;
    }
    const char* error = kernels::LaunchRopeCacheWrite(a, stream);
    if (error != nullptr) return absl::InternalError(absl::StrCat("rotary + cache write kernel: ", error));
    return q;
  });
}
#endif

absl::StatusOr<at::Tensor> LlamaAttention::Forward(const at::Tensor& x, const LlamaForwardContext& ctx,
                                                   KvCache* cache, int layer) const {
#ifdef XSD_WITH_CUDA_KERNELS
  // A decode row: projection, rotation and cache write in one kernel.
  XSD_ASSIGN_OR_RETURN(at::Tensor fused_q, RopeAndCacheWrite(at::Tensor(), x, ctx, cache, layer));
  if (fused_q.defined()) return AttendRotated(fused_q, ctx, cache, layer);
#endif
  XSD_ASSIGN_OR_RETURN(const at::Tensor qkv, Linear(x, qkv_, qkv_bias_, ctx.kernel_options));  // [T, (H + 2 KV) * D]
  return Attend(qkv, ctx, cache, layer);
}

absl::StatusOr<at::Tensor> LlamaAttention::AttendRotated(const at::Tensor& q, const LlamaForwardContext& ctx,
                                                         KvCache* cache, int layer) const {
  const int span = ctx.write_rows.defined() ? ctx.span : ctx.past + ctx.rows;
  XSD_ASSIGN_OR_RETURN(at::Tensor attended,
                       AttendCached(q, cache->KeySlot(layer, 0, span), cache->ValueSlot(layer, 0, span), ctx.mask,
                                    cache->kernel_counters(layer), ctx.kernel_options));
  return Linear(attended, o_, o_bias_, ctx.kernel_options);
}

absl::StatusOr<at::Tensor> LlamaAttention::Attend(const at::Tensor& qkv, const LlamaForwardContext& ctx,
                                                  KvCache* cache, int layer) const {
  const int64_t rows = ctx.rows;
  const int64_t qw = heads_ * head_dim_, kvw = kv_heads_ * head_dim_;
  at::Tensor qk, q, k, v;
  XSD_RETURN_IF_ERROR(TorchCall("attention projections", [&]() -> absl::Status {
    qk = qkv.narrow(1, 0, qw + kvw).view({rows, heads_ + kv_heads_, head_dim_});
    v = qkv.narrow(1, qw + kvw, kvw).view({rows, kv_heads_, head_dim_});
    return absl::OkStatus();
  }));
#ifdef XSD_WITH_CUDA_KERNELS
  // One kernel: rotation of queries and keys, keys and values into the cache.
  XSD_ASSIGN_OR_RETURN(at::Tensor fused_q, RopeAndCacheWrite(qkv, at::Tensor(), ctx, cache, layer));
  if (fused_q.defined()) return AttendRotated(fused_q, ctx, cache, layer);
#endif
  // Queries and keys rotate together: one set of kernels for both.
  XSD_ASSIGN_OR_RETURN(qk, RotaryEmbedding::Apply(qk, ctx.cos, ctx.sin));
  q = qk.narrow(1, 0, heads_);
  k = qk.narrow(1, heads_, kv_heads_);
  at::Tensor keys, values;
  XSD_RETURN_IF_ERROR(TorchCall("attention cache write", [&]() -> absl::Status {
    if (ctx.write_rows.defined()) {  // static mode: rows and span fixed by the caller
      at::Tensor key_layer = cache->keys(layer), value_layer = cache->values(layer);
      key_layer.index_copy_(1, ctx.write_rows, k.transpose(0, 1));  // [KV, T, D] into rows write_rows
      value_layer.index_copy_(1, ctx.write_rows, v.transpose(0, 1));
      keys = cache->KeySlot(layer, 0, ctx.span);
      values = cache->ValueSlot(layer, 0, ctx.span);
      return absl::OkStatus();
    }
    cache->KeySlot(layer, ctx.past, ctx.rows).copy_(k.transpose(0, 1));  // [KV, T, D]
    cache->ValueSlot(layer, ctx.past, ctx.rows).copy_(v.transpose(0, 1));
    keys = cache->KeySlot(layer, 0, ctx.past + ctx.rows);
    values = cache->ValueSlot(layer, 0, ctx.past + ctx.rows);
    if (at::GradMode::is_enabled() && (k.requires_grad() || v.requires_grad())) {
      // Training (xsd/training): autograd keeps what attention reads, and the
      // next layer's write into the same cache buffer would bump the
      // version of these views; a copy of this layer's rows keeps them.
      keys = keys.clone();
      values = values.clone();
    }
    return absl::OkStatus();
  }));
  XSD_ASSIGN_OR_RETURN(at::Tensor attended, AttendCached(q, keys, values, ctx.mask, cache->kernel_counters(layer),
                                                        ctx.kernel_options));
  return Linear(attended, o_, o_bias_, ctx.kernel_options);
}

}  // namespace xsd
