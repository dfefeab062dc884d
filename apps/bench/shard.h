// Splitting one benchmark over several processes or machines: shard i of N
// takes every N-th request (i, i+N, i+2N, ...), so shards are balanced and
// their union is the whole run. Shard indices are 0-based.
#pragma once

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace xsd::bench {

struct ShardSpec {
  int index = 0;  // 0 <= index < count
  int count = 1;
  bool sharded() const { return count > 1; }
  // "shard-2-of-8" (file names); "" when not sharded.
  std::string Suffix() const;
};

// "i/N", e.g. "2/8"; the message names the flag: "--shard=9/8: index must be < 8".
absl::StatusOr<ShardSpec> ParseShard(const std::string& text);

// Slurm job arrays: SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN when set)
// of SLURM_ARRAY_TASK_COUNT. nullopt outside an array job; an error when the
// variables are present but inconsistent. `getenv` is injectable for tests.
using GetEnv = std::function<const char*(const char*)>;
absl::StatusOr<std::optional<ShardSpec>> ShardFromSlurm(const GetEnv& getenv = [](const char* n) { return std::getenv(n); });

// The positions of `total` items that belong to the shard.
std::vector<int> ShardPositions(int total, const ShardSpec& shard);

}  // namespace xsd::bench
