#include "xsd/kv/kv_cache.h"

#include <cstddef>
#include <cstdlib>

#include <ATen/ATen.h>

#include "xsd/core/sampling.h"
#include "xsd/kv/kv_cache_pool.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

KvCacheSpec SmallSpec() {
  KvCacheSpec spec;
  spec.num_layers = 3;
  spec.num_kv_heads = 2;
  spec.head_dim = 4;
  spec.max_len = 32;
  spec.dtype = c10::ScalarType::Float;
  return spec;
}

// Fills rows [start, start + n) of every layer with value = 1000*layer + row.
void WriteRows(KvCache& cache, int start, int n) {
  for (int l = 0; l < cache.spec().num_layers; ++l) {
    for (int i = 0; i < n; ++i) {
      cache.KeySlot(l, start + i, 1).fill_(1000.0 * l + start + i);
      cache.ValueSlot(l, start + i, 1).fill_(-(1000.0 * l + start + i));
    }
  }
}

float KeyAt(const KvCache& cache, int layer, int row) {
  return cache.keys(layer).select(1, row)[0][0].item<float>();
}

TEST_CASE("KvCache allocates once with fixed shapes", "[kv]") {
  auto cache = KvCache::Create(SmallSpec());
  REQUIRE(cache.ok());
  const void* before = (*cache)->all_keys().data_ptr();
  CHECK((*cache)->all_keys().sizes() == at::IntArrayRef({3, 2, 32, 4}));
  CHECK((*cache)->length() == 0);
  WriteRows(**cache, 0, 5);
  REQUIRE((*cache)->Advance(5).ok());
  REQUIRE((*cache)->Truncate(2).ok());
  CHECK((*cache)->length() == 2);
  CHECK((*cache)->all_keys().data_ptr() == before);
  CHECK_FALSE((*cache)->Truncate(3).ok());    // cannot grow by truncation
  CHECK_FALSE((*cache)->Advance(31).ok());    // beyond capacity
}

// The attention kernel relies on them: zero at creation, one set per layer,
// int32 on the cache's device, kv_heads * kKernelCountersPerKvHead each.
TEST_CASE("KvCache kernel counters are zeroed, int32 and separate per layer", "[kv]") {
  auto cache = KvCache::Create(SmallSpec());
  REQUIRE(cache.ok());
  const at::Tensor first = (*cache)->kernel_counters(0), last = (*cache)->kernel_counters(2);
  CHECK(first.scalar_type() == at::kInt);
  CHECK(first.device() == (*cache)->all_keys().device());
  CHECK(first.sizes() == at::IntArrayRef({2 * KvCache::kKernelCountersPerKvHead}));
  CHECK(first.is_contiguous());
  CHECK(at::count_nonzero(first).item<int64_t>() == 0);
  CHECK(at::count_nonzero(last).item<int64_t>() == 0);
  CHECK(first.data_ptr() != last.data_ptr());
  CHECK(std::abs(static_cast<const char*>(last.data_ptr()) - static_cast<const char*>(first.data_ptr())) >=
        static_cast<std::ptrdiff_t>(first.numel() * sizeof(int32_t)));
}

TEST_CASE("KvCache::KeepRows compacts a tree path for every layer", "[kv]") {
  auto created = KvCache::Create(SmallSpec());
  REQUIRE(created.ok());
  KvCache& cache = **created;
  WriteRows(cache, 0, 10);
  REQUIRE(cache.Advance(4).ok());  // 4 committed rows; rows 4..9 are tentative
  // keep tentative offsets 0, 2, 5 -> rows 4, 6, 9 move to 4, 5, 6
  REQUIRE(cache.KeepRows(4, {0, 2, 5}).ok());
  CHECK(cache.length() == 7);
  for (int l = 0; l < 3; ++l) {
    CHECK(KeyAt(cache, l, 3) == 1000.0f * l + 3);
    CHECK(KeyAt(cache, l, 4) == 1000.0f * l + 4);
    CHECK(KeyAt(cache, l, 5) == 1000.0f * l + 6);
    CHECK(KeyAt(cache, l, 6) == 1000.0f * l + 9);
    CHECK(cache.values(l).select(1, 6)[1][3].item<float>() == -(1000.0f * l + 9));
  }
}

TEST_CASE("KvCache::KeepRows rejects bad offsets", "[kv]") {
  auto created = KvCache::Create(SmallSpec());
  REQUIRE(created.ok());
  CHECK_FALSE((*created)->KeepRows(0, {1, 1}).ok());
  CHECK_FALSE((*created)->KeepRows(0, {2, 1}).ok());
  CHECK_FALSE((*created)->KeepRows(30, {0, 5}).ok());
  KvCacheSpec bad = SmallSpec();
  bad.max_len = 0;
  CHECK_FALSE(KvCache::Create(bad).ok());
}

TEST_CASE("KvCachePool reuses buffers of a returned cache", "[kv]") {
  KvCachePool& pool = KvCachePool::ForDevice(c10::Device(c10::DeviceType::CPU));
  pool.ReleaseFree();
  const int64_t before = pool.bytes_allocated();
  const void* first_data = nullptr;
  {
    auto lease = pool.Acquire(SmallSpec());
    REQUIRE(lease.ok());
    first_data = (*lease)->all_keys().data_ptr();
    REQUIRE((*lease)->Advance(3).ok());
  }
  CHECK(pool.bytes_allocated() == before + SmallSpec().bytes());
  auto again = pool.Acquire(SmallSpec());
  REQUIRE(again.ok());
  CHECK((*again)->all_keys().data_ptr() == first_data);  // no reallocation
  CHECK((*again)->length() == 0);
  auto second = pool.Acquire(SmallSpec());  // the first is still leased: a new one
  REQUIRE(second.ok());
  CHECK((*second)->all_keys().data_ptr() != first_data);
  CHECK(pool.bytes_allocated() == before + 2 * SmallSpec().bytes());
}

TEST_CASE("torch argmax uses the same tie-break as xsd::Argmax", "[kv][ties]") {
  const std::vector<float> values = {0.5f, 2.0f, 1.0f, 2.0f, 2.0f};
  const at::Tensor t = at::tensor(values);
  CHECK(t.argmax().item<int64_t>() == Argmax(values));
  const at::Tensor rows = at::tensor(std::vector<float>{3, 3, 1, 1, 4, 4}).reshape({2, 3});
  const at::Tensor am = rows.argmax(-1);
  CHECK(am[0].item<int64_t>() == 0);
  CHECK(am[1].item<int64_t>() == 1);
}

}  // namespace
}  // namespace xsd
