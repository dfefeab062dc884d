#include "xsd/kv/kv_cache.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"

namespace xsd {

int64_t KvCacheSpec::bytes() const {
  return 2LL * num_layers * num_kv_heads * max_len * head_dim * static_cast<int64_t>(c10::elementSize(dtype));
}

std::string KvCacheSpec::DebugString() const {
  return absl::StrCat("KvCacheSpec{layers=", num_layers, ", kv_heads=", num_kv_heads, ", head_dim=", head_dim,
                      ", max_len=", max_len, ", dtype=", c10::toString(dtype), ", device=", device.str(), "}");
}

bool KvCacheSpec::operator==(const KvCacheSpec& o) const {
  return num_layers == o.num_layers && num_kv_heads == o.num_kv_heads && head_dim == o.head_dim &&
         max_len == o.max_len && dtype == o.dtype && device == o.device;
}

absl::StatusOr<std::unique_ptr<KvCache>> KvCache::Create(const KvCacheSpec& spec) {
  if (spec.num_layers <= 0 || spec.num_kv_heads <= 0 || spec.head_dim <= 0 || spec.max_len <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("KV cache: every dimension must be positive: ", spec.DebugString()));
  }
  std::unique_ptr<KvCache> cache(new KvCache(spec));
  absl::Status s = TorchCall(absl::StrCat("allocating KV cache ", spec.DebugString()), [&]() -> absl::Status {
    const auto options = at::TensorOptions().dtype(spec.dtype).device(spec.device);
    const std::vector<int64_t> shape = {spec.num_layers, spec.num_kv_heads, spec.max_len, spec.head_dim};
    cache->keys_ = at::zeros(shape, options);
    cache->values_ = at::zeros(shape, options);
    cache->counters_ = at::zeros({spec.num_layers, int64_t{spec.num_kv_heads} * kKernelCountersPerKvHead},
                                 options.dtype(at::kInt));
    for (int l = 0; l < spec.num_layers; ++l) {
      cache->key_layers_.push_back(cache->keys_.select(0, l));
      cache->value_layers_.push_back(cache->values_.select(0, l));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return cache;
}

at::Tensor KvCache::KeySlot(int layer, int start, int count) const {
  return key_layers_[layer].narrow(1, start, count);
}

at::Tensor KvCache::ValueSlot(int layer, int start, int count) const {
  return value_layers_[layer].narrow(1, start, count);
}

absl::Status KvCache::Advance(int count) {
  if (count < 0 || length_ + count > spec_.max_len) {
    return absl::OutOfRangeError(absl::StrCat("KV cache: advancing ", length_, " by ", count,
                                              " exceeds capacity ", spec_.max_len));
  }
  length_ += count;
  return absl::OkStatus();
}

absl::Status KvCache::Truncate(int n) {
  if (n < 0 || n > length_) {
    return absl::OutOfRangeError(absl::StrCat("KV cache: cannot truncate length ", length_, " to ", n));
  }
  length_ = n;
  return absl::OkStatus();
}

absl::Status KvCache::KeepRows(int base, absl::Span<const int32_t> offsets) {
  const int m = static_cast<int>(offsets.size());
  bool identity = true;
  for (int i = 0; i < m; ++i) {
    if (offsets[i] < 0 || (i > 0 && offsets[i] <= offsets[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat("KV cache: compaction offsets must be strictly increasing, got ",
                                                     offsets[i], " at index ", i));
    }
    if (offsets[i] != i) identity = false;
  }
  if (base < 0 || (m > 0 && base + offsets[m - 1] >= spec_.max_len)) {
    return absl::OutOfRangeError(absl::StrCat("KV cache: compaction rows beyond capacity ", spec_.max_len));
  }
  if (!identity) {
    absl::Status s = TorchCall("KV cache compaction", [&]() -> absl::Status {
      std::vector<int64_t> src(offsets.begin(), offsets.end());
      for (int64_t& v : src) v += base;
      const at::Tensor index = at::tensor(src, at::TensorOptions().dtype(at::kLong)).to(spec_.device);
      // index_select copies, so overlapping source and destination rows are safe.
      keys_.narrow(2, base, m).copy_(keys_.index_select(2, index));
      values_.narrow(2, base, m).copy_(values_.index_select(2, index));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
  }
  length_ = base + m;
  return absl::OkStatus();
}

}  // namespace xsd
