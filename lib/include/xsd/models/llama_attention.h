// LlamaAttention: the self-attention of one LLaMA decoder layer over the KV
// cache. q, k and v come from one fused [(H + 2 KV) * head_dim, hidden]
// projection (concatenated at load); k and v of the new rows are rotated and
// written into the cache at [past, past + rows) (the cache cursor is not
// moved: the caller commits); the new rows then attend to [0, past + rows).
//
// Immutable after Load; thread-safe as long as callers use different caches.
#pragma once

#include <cstdint>
#include <utility>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/attention.h"
#include "xsd/models/kernel_options.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/weight_source.h"

namespace xsd {

// What every layer of one forward shares, built once by the model.
struct LlamaForwardContext {
  int past = 0;          // committed cache rows (L); new rows go to [L, L + rows)
  int rows = 0;          // new rows (T)
  at::Tensor cos, sin;   // [T, head_dim] rotary rows of the new rows' positions
  AttentionMask mask;
  // Static mode (LlamaInput::write_rows): rows go to cache rows write_rows
  // (int64 [T], device) and attend over [0, span) with mask.bias.
  at::Tensor write_rows;
  int span = 0;
  KernelOptions kernel_options;  // the model's (LlamaModelOptions::kernel_options)
};

class LlamaAttention {
 public:
  // Takes q_proj, k_proj, v_proj, o_proj (".weight", and ".bias" when
  // config.attention_bias) under `weights` (the layer's "self_attn." scope).
  static absl::StatusOr<LlamaAttention> Load(const ScopedWeights& weights, const LlamaConfig& config);

  // x [T, hidden] (normed) -> [T, hidden]. Writes layer `layer` of `cache`
  // (not owned) at rows [ctx.past, ctx.past + ctx.rows).
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& x, const LlamaForwardContext& ctx, KvCache* cache,
                                     int layer) const;
 // Diagnostics: rows (process-wide) whose qkv projection, rotation and
  // cache write ran as one kernel (CUDA kernel builds, one bf16 row, unless
  // KernelOptions::qkv_rope is off; the same bits as the projection, then
  // the rotation).
  static int64_t FusedQkvRopeRows();

 private:
  // Everything after the qkv projection: qkv [T, (H + 2 KV) * D] -> [T, hidden].
  absl::StatusOr<at::Tensor> Attend(const at::Tensor& qkv, const LlamaForwardContext& ctx, KvCache* cache,
                                    int layer) const;
  // The rotated queries q [T, H, D] over the cache (rows written): attention
  // and the output projection.
  absl::StatusOr<at::Tensor> AttendRotated(const at::Tensor& q, const LlamaForwardContext& ctx, KvCache* cache,
                                           int layer) const;
  // CUDA kernel builds: rotates queries and keys of `qkv` and writes keys and
  // values into the cache rows in one kernel — or, when `x` is defined (one
  // bf16 row; qkv undefined), projects x by qkv_ in that kernel too
  // (kernels::LaunchGemvRopeCacheBf16). Returns the rotated queries
  // [T, H, D], or an undefined tensor when the call is not the kernel's
  // shape (the two-kernel or ATen path runs then).
  absl::StatusOr<at::Tensor> RopeAndCacheWrite(const at::Tensor& qkv, const at::Tensor& x,
                                               const LlamaForwardContext& ctx, KvCache* cache, int layer) const;

  at::Tensor qkv_, qkv_bias_;  // [(H + 2 KV) * D, hidden], bias undefined when absent
  at::Tensor o_, o_bias_;      // [hidden, H * D]
  int64_t heads_ = 0, kv_heads_ = 0, head_dim_ = 0;
};

}  // namespace xsd
