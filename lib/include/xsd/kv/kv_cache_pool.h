// KvCachePool: preallocated KV caches per device, reused across requests.
//
// Acquire(spec) hands out a cache whose buffers were allocated once; when the
// returned handle is destroyed the cache goes back to the pool (length reset)
// and a later Acquire with the same spec reuses it without reallocation. The
// pool accounts the bytes it holds per device (reported as KV memory).
//
// Ownership: the pool owns every cache; a Lease is a unique handle that
// returns its cache on destruction and must not outlive the pool.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "xsd/kv/kv_cache.h"

namespace xsd {

class KvCachePool {
 public:
  struct Returner {
    KvCachePool* pool = nullptr;  // not owned
    void operator()(KvCache* cache) const;
  };
  using Lease = std::unique_ptr<KvCache, Returner>;

  // The process-wide pool of one device ("cpu", "cuda:1").
  static KvCachePool& ForDevice(const c10::Device& device);

  absl::StatusOr<Lease> Acquire(const KvCacheSpec& spec);
  // Bytes of all caches this pool allocated (in use or free).
  int64_t bytes_allocated() const;
  // Frees the caches not currently leased.
  void ReleaseFree();

 private:
  void Return(KvCache* cache);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<KvCache>> free_;
  std::vector<std::unique_ptr<KvCache>> leased_;
  int64_t bytes_ = 0;
};

}  // namespace xsd
