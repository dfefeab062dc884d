#include "shard.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace xsd::bench {

std::string ShardSpec::Suffix() const {
  return sharded() ? absl::StrCat("shard-", index, "-of-", count) : std::string();
}

absl::StatusOr<ShardSpec> ParseShard(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, '/');
  ShardSpec s;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &s.index) || !absl::SimpleAtoi(parts[1], &s.count)) {
    return absl::InvalidArgumentError(absl::StrCat("--shard=", text, ": expected i/N (0 <= i < N), e.g. 0/4"));
  }
  if (s.count < 1) return absl::InvalidArgumentError(absl::StrCat("--shard=", text, ": N must be >= 1"));
  if (s.index < 0 || s.index >= s.count) {
    return absl::InvalidArgumentError(absl::StrCat("--shard=", text, ": index must be in [0, ", s.count, ")"));
  }
  return s;
}

absl::StatusOr<std::optional<ShardSpec>> ShardFromSlurm(const GetEnv& getenv) {
  const char* id = getenv("SLURM_ARRAY_TASK_ID");
  const char* count = getenv("SLURM_ARRAY_TASK_COUNT");
  if (id == nullptr || count == nullptr) return std::optional<ShardSpec>();
  const char* min = getenv("SLURM_ARRAY_TASK_MIN");
  int task = 0, n = 0, first = 0;
  if (!absl::SimpleAtoi(id, &task) || !absl::SimpleAtoi(count, &n) || (min != nullptr && !absl::SimpleAtoi(min, &first))) {
    return absl::InvalidArgumentError(absl::StrCat("SLURM_ARRAY_TASK_ID=", id, " SLURM_ARRAY_TASK_COUNT=", count,
                                                   ": not integers"));
  }
  ShardSpec s{task - first, n};
  if (s.count < 1 || s.index < 0 || s.index >= s.count) {
    return absl::InvalidArgumentError(absl::StrCat("SLURM_ARRAY_TASK_ID=", id, " (min ", first, ") of SLURM_ARRAY_TASK_COUNT=",
                                                   count, ": the array must be numbered contiguously, e.g. --array=0-", n - 1));
  }
  return std::optional<ShardSpec>(s);
}

std::vector<int> ShardPositions(int total, const ShardSpec& shard) {
  std::vector<int> positions;
  for (int i = shard.index; i < total; i += shard.count) positions.push_back(i);
  return positions;
}

}  // namespace xsd::bench
