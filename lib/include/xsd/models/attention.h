// Attention of new rows over a KV cache, with grouped-query heads and either
// causal masking or a caller-given tree mask among the new rows.
//
// A forward of T new rows at cache positions [L, L + T) attends to cache rows
// [0, L + T): every new row sees all L committed rows, and among the new rows
// either the causal prefix (chains, prefill) or its ancestors and itself
// (tree_mask[i][j] = true when row i may see row j).
//
// Grouped-query attention without repeating K/V: the G = heads / kv_heads
// query heads of one KV head are stacked into one [G*T, head_dim] matrix, so
// the attention is a batch over KV heads of plain (G*T) x (L+T) products and
// the mask is shared by the G stacked copies.
//
// With libtorch >= 2 the product goes through at::scaled_dot_product_attention
// (fused kernels on CUDA); libtorch 1.x uses matmul + float32 softmax.
//
// AttentionMask is built once per forward and shared by every layer.
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/kernel_options.h"

namespace xsd {

struct AttentionMask {
  int past = 0;   // committed rows before the new ones (L)
  int rows = 0;   // new rows (T)
  int group = 1;  // query heads per KV head (G)
  // Additive bias [G*T, L+T] in the compute dtype (0 or -inf); undefined when
  // no row is masked (T == 1) or when `causal` covers it.
  at::Tensor bias;
  bool causal = false;  // L == 0, G == 1, no tree: the kernel's own causal mode

  // `tree_mask`: undefined for causal rows, else bool [T, T] on any device.
  // `like` gives the dtype and device of the bias.
  static absl::StatusOr<AttentionMask> Build(int past, int rows, int group, const at::Tensor& tree_mask,
                                             const at::Tensor& like);
};

// q: [T, heads, head_dim] (already rotated). keys, values: [kv_heads, L+T,
// head_dim] views of the cache that already hold the new rows. Returns the
// attention output [T, heads * head_dim], scaled by 1/sqrt(head_dim).
// `counters`: the cache's KvCache::kernel_counters for this layer (may be
// undefined: with them the decode kernel combines its chunks without a
// second kernel). Which implementation runs: options.attention_path, by
// default by row count and options.numerics (attention.cc says how).
absl::StatusOr<at::Tensor> AttendCached(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                        const AttentionMask& mask, const at::Tensor& counters,
                                        const KernelOptions& options);

}  // namespace xsd
