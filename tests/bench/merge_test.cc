#include "jsonl_store.h"
#include "merge.h"
#include "run_files.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "test_records.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using testing::MakeRecord;
using testing::RecordSpec;
using xsd::testing::ScratchDir;

nlohmann::json Header(int index, int count, int max_new_tokens = 50) {
  return {{"version", 1},
          {"settings", {{"max_new_tokens", max_new_tokens}, {"baseline", "vl_baseline"}}},
          {"configs", nlohmann::json::array({{{"name", "vl_baseline"}}, {{"name", "L4+VL"}}})},
          {"shard", {{"index", index}, {"count", count}}}};
}

// Shard i of 2 holds requests i, i+2, ... for both configs.
void WriteShard(const std::string& path, int index, int total, const nlohmann::json& header) {
  auto store = JsonlStore::Open(path, false);
  REQUIRE(store.ok());
  REQUIRE((*store)->WriteHeader(header).ok());
  for (const char* config : {"vl_baseline", "L4+VL"}) {
    for (int p = index; p < total; p += 2) {
      RecordSpec spec{config, "s/" + std::to_string(p), p, 100.0 + p};
      spec.tokens = {p, p + 1};
      REQUIRE((*store)->Append(MakeRecord(spec)).ok());
    }
  }
}

TEST_CASE("Merging shards gives every pair once", "[bench][merge]") {
  ScratchDir a("bench"), b("bench");
  WriteShard(a.File(JsonlFileName("20260207_120000", "shard-0-of-2")), 0, 7, Header(0, 2));
  WriteShard(b.File(JsonlFileName("20260207_120001", "shard-1-of-2")), 1, 7, Header(1, 2));
  auto merged = MergeShards({a.path(), b.path()});
  REQUIRE(merged.ok());
  CHECK(merged->records.size() == 14);
  CHECK(merged->shards == std::vector<int>{0, 1});
  CHECK(merged->shard_count == 2);
  CHECK(merged->duplicates == 0);
  CHECK(merged->header["shard"]["count"] == 1);
  std::set<std::string> keys;
  for (const SampleRecord& r : merged->records) keys.insert(r.Key());
  CHECK(keys.size() == 14);

  // The same shard given twice: identical pairs are kept once.
  auto twice = MergeShards({a.path(), b.path(), a.File(JsonlFileName("20260207_120000", "shard-0-of-2"))});
  REQUIRE(twice.ok());
  CHECK(twice->records.size() == 14);
  CHECK(twice->duplicates == 8);
}

TEST_CASE("Merging refuses runs with different settings or conflicting results", "[bench][merge]") {
  ScratchDir a("bench"), b("bench"), c("bench");
  WriteShard(a.File(JsonlFileName("20260207_120000", "shard-0-of-2")), 0, 4, Header(0, 2));
  WriteShard(b.File(JsonlFileName("20260207_120001", "shard-1-of-2")), 1, 4, Header(1, 2, /*max_new_tokens=*/30));
  auto mixed = MergeShards({a.path(), b.path()});
  REQUIRE_FALSE(mixed.ok());
  CHECK(std::string(mixed.status().message()).find("max_new_tokens") != std::string::npos);

  // Shard 0 again, but with other tokens for s/0.
  {
    auto store = JsonlStore::Open(c.File(JsonlFileName("20260207_120000", "shard-0-of-2")), false);
    REQUIRE(store.ok());
    REQUIRE((*store)->WriteHeader(Header(0, 2)).ok());
    RecordSpec spec{"vl_baseline", "s/0", 0, 100};
    spec.tokens = {9, 9};
    REQUIRE((*store)->Append(MakeRecord(spec)).ok());
  }
  auto conflict = MergeShards({a.path(), c.path()});
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.status().code() == absl::StatusCode::kDataLoss);

  auto nothing = MergeShards({c.File("absent")});
  CHECK_FALSE(nothing.ok());
}

}  // namespace
}  // namespace xsd::bench

namespace xsd::bench {
namespace {

TEST_CASE("--resume finds the latest run of its own shard", "[bench][run_files]") {
  ScratchDir dir("bench");
  for (const std::string name : {"e2e_wallclock_20260207_090000.jsonl", "e2e_wallclock_20260207_100000.jsonl",
                                 "e2e_wallclock_20260207_110000.shard-1-of-2.jsonl",
                                 "e2e_wallclock_20260207_120000.merged.jsonl", "e2e_wallclock_20260207_100000.json",
                                 "notes.jsonl"}) {
    xsd::testing::WriteWholeFile(dir.File(name), "");
  }
  auto whole = FindLatestRun(dir.path(), "");
  REQUIRE(whole.has_value());
  CHECK(whole->timestamp == "20260207_100000");
  CHECK(whole->path == dir.File("e2e_wallclock_20260207_100000.jsonl"));
  auto shard = FindLatestRun(dir.path(), "shard-1-of-2");
  REQUIRE(shard.has_value());
  CHECK(shard->timestamp == "20260207_110000");
  CHECK_FALSE(FindLatestRun(dir.path(), "shard-0-of-2").has_value());
  CHECK_FALSE(IsRunJsonl("e2e_wallclock_20260207_120000.merged.jsonl"));
  CHECK(JsonlFileName("20260207_110000", "shard-1-of-2") == "e2e_wallclock_20260207_110000.shard-1-of-2.jsonl");
}

}  // namespace
}  // namespace xsd::bench
