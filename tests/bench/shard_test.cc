#include <map>
#include <set>

#include "shard.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

TEST_CASE("ParseShard accepts i/N with 0 <= i < N", "[bench][shard]") {
  auto s = ParseShard("2/8");
  REQUIRE(s.ok());
  CHECK(s->index == 2);
  CHECK(s->count == 8);
  CHECK(s->Suffix() == "shard-2-of-8");
  auto one = ParseShard("0/1");
  REQUIRE(one.ok());
  CHECK_FALSE(one->sharded());
  CHECK(one->Suffix().empty());
}

TEST_CASE("ParseShard rejects malformed and out-of-range shards, naming the flag", "[bench][shard]") {
  for (const char* bad : {"3", "1/", "/4", "a/b", "4/4", "-1/4", "0/0", "1/2/3", ""}) {
    INFO(bad);
    auto s = ParseShard(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().find(std::string("--shard=") + bad) != std::string::npos);
  }
}

TEST_CASE("Slurm array variables give the shard; absent variables give none", "[bench][shard]") {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto none = ShardFromSlurm(getenv);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  auto zero_based = ShardFromSlurm(getenv);
  REQUIRE(zero_based.ok());
  REQUIRE(zero_based->has_value());
  CHECK((*zero_based)->index == 3);
  CHECK((*zero_based)->count == 4);

  // --array=1-4: ids 1..4 map to shards 0..3.
  env = {{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "1"}};
  auto one_based = ShardFromSlurm(getenv);
  REQUIRE(one_based.ok());
  CHECK((*one_based)->index == 3);

  env = {{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};  // a gap in the array
  CHECK_FALSE(ShardFromSlurm(getenv).ok());
  env = {{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  CHECK_FALSE(ShardFromSlurm(getenv).ok());
}

TEST_CASE("Shards partition the requests: disjoint, complete, balanced", "[bench][shard]") {
  const int total = GENERATE(0, 1, 7, 40, 41);
  const int count = GENERATE(1, 3, 8);
  std::set<int> seen;
  size_t smallest = total + 1, largest = 0;
  for (int i = 0; i < count; ++i) {
    const std::vector<int> mine = ShardPositions(total, ShardSpec{i, count});
    smallest = std::min(smallest, mine.size());
    largest = std::max(largest, mine.size());
    for (int p : mine) {
      CHECK(p % count == i);
      CHECK(seen.insert(p).second);
    }
  }
  CHECK(static_cast<int>(seen.size()) == total);
  CHECK(largest - smallest <= 1);
}

}  // namespace
}  // namespace xsd::bench
