// KvCache: the preallocated key/value cache of one sequence, all layers.
//
// Buffers are allocated once at Create() with shape [layers, kv_heads,
// max_len, head_dim] for keys and for values; dtype, device and shapes never
// change afterwards, so a CUDA graph captured over them stays valid.
//   - Writes go through slot views (KeySlot/ValueSlot) that the model copies into.
//   - Truncate(n) is O(1): it moves the length cursor (rollback).
//   - KeepRows(base, offsets) compacts an accepted tree path: rows
//     base + offsets[i] move to base + i for every layer in one gather.
//
// Ownership: owns its buffers. Not thread-safe; one model uses it at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace xsd {

struct KvCacheSpec {
  int num_layers = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int max_len = 0;
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);

  int64_t bytes() const;
  std::string DebugString() const;
  bool operator==(const KvCacheSpec& o) const;
};

class KvCache {
 public:
  static absl::StatusOr<std::unique_ptr<KvCache>> Create(const KvCacheSpec& spec);

  const KvCacheSpec& spec() const { return spec_; }
  int length() const { return length_; }
  int capacity() const { return spec_.max_len; }

  // Whole-buffer views [kv_heads, max_len, head_dim] of one layer.
  const at::Tensor& keys(int layer) const { return key_layers_[layer]; }
  const at::Tensor& values(int layer) const { return value_layers_[layer]; }
  // Views [kv_heads, count, head_dim] at positions [start, start + count).
  at::Tensor KeySlot(int layer, int start, int count) const;
  at::Tensor ValueSlot(int layer, int start, int count) const;
  // Whole buffers [layers, kv_heads, max_len, head_dim].
  const at::Tensor& all_keys() const { return keys_; }
  const at::Tensor& all_values() const { return values_; }
  // One layer's int32 scratch [kv_heads * kKernelCountersPerKvHead], zero
  // after Create(): the attention kernel counts its finished blocks there and
  // leaves it zero (kernels/cached_attention.cu). Here, not in the model,
  // because two sequences of one model may run at once; one cache never does.
  static constexpr int kKernelCountersPerKvHead = 64;
  at::Tensor kernel_counters(int layer) const { return counters_.select(0, layer); }

  // Moves the length cursor forward after rows were written.
  absl::Status Advance(int count);
  // O(1) rollback; n must be <= length().
  absl::Status Truncate(int n);
  // Compacts rows base + offsets[i] to base + i (offsets strictly increasing,
  // base + offsets.back() < capacity) and sets length = base + offsets.size().
  absl::Status KeepRows(int base, absl::Span<const int32_t> offsets);
  // Sets the length to 0.
  void Clear() { length_ = 0; }

 private:
  explicit KvCache(const KvCacheSpec& spec) : spec_(spec) {}

  KvCacheSpec spec_;
  int length_ = 0;
  at::Tensor keys_, values_;
  std::vector<at::Tensor> key_layers_, value_layers_;
  at::Tensor counters_;  // [layers, kv_heads * kKernelCountersPerKvHead] int32
};

}  // namespace xsd
