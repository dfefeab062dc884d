#include "xsd/kv/kv_cache_pool.h"

#include <algorithm>

namespace xsd {

void KvCachePool::Returner::operator()(KvCache* cache) const {
  if (pool != nullptr && cache != nullptr) pool->Return(cache);
}

KvCachePool& KvCachePool::ForDevice(const c10::Device& device) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<KvCachePool>>* pools =
      new std::map<std::string, std::unique_ptr<KvCachePool>>();  // leaked: outlives static destructors
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*pools)[device.str()];
  if (!slot) slot.reset(new KvCachePool());
  return *slot;
}

absl::StatusOr<KvCachePool::Lease> KvCachePool::Acquire(const KvCacheSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if ((*it)->spec() == spec) {
      KvCache* cache = it->get();
      cache->Clear();
      leased_.push_back(std::move(*it));
      free_.erase(it);
      return Lease(cache, Returner{this});
    }
  }
  auto created = KvCache::Create(spec);
  if (!created.ok()) return created.status();
  KvCache* cache = created->get();
  bytes_ += spec.bytes();
  leased_.push_back(std::move(created).value());
  return Lease(cache, Returner{this});
}

void KvCachePool::Return(KvCache* cache) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(leased_.begin(), leased_.end(), [&](const auto& p) { return p.get() == cache; });
  if (it == leased_.end()) return;
  free_.push_back(std::move(*it));
  leased_.erase(it);
}

int64_t KvCachePool::bytes_allocated() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

void KvCachePool::ReleaseFree() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : free_) bytes_ -= c->spec().bytes();
  free_.clear();
}

}  // namespace xsd
