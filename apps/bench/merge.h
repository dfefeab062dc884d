// Combining the JSON lines of several shards (or machines) into one run: the
// headers must agree (shard aside), each (config, request) pair is kept once,
// and the report is regenerated from the union as for a single run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "record.h"

namespace xsd::bench {

struct MergedRun {
  nlohmann::json header;              // the first input's, shard set to {0, 1}
  std::vector<SampleRecord> records;
  std::vector<int> shards;            // shard indices found, sorted
  int shard_count = 1;                // N of the inputs
  int duplicates = 0;                 // identical pairs seen twice (kept once)
  std::vector<std::string> inputs;    // files read
};

// `inputs`: directories (every run's JSON lines inside, run_files.h) or
// .jsonl files.
// Errors name the file; a pair recorded twice with different tokens is an error.
absl::StatusOr<MergedRun> MergeShards(const std::vector<std::string>& inputs);

}  // namespace xsd::bench
