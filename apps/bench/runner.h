// Runs every (config, request) pair of a run that the JSON lines store does
// not hold yet, and appends each result to it before starting the next.
//
// Methodology (docs/bench.md): configs run one after the other in one
// process, the baseline first, on the same requests; one pipeline is alive at
// a time (real pipelines hold 7B models). Each config first runs warm-up
// requests (the first question of the first `warmup_scenes` scenes) whose
// results are discarded. A noisy-oracle drafter over a real target replays
// the baseline's output for the same request.
//
// Ownership: the runner borrows the store and the progress reporter.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "config_set.h"
#include "dataset.h"
#include "jsonl_store.h"
#include "progress.h"
#include "shard.h"

namespace xsd::bench {

struct RunnerOptions {
  int warmup_scenes = 3;
  std::string baseline = "vl_baseline";
  ShardSpec shard;
};

class BenchRunner {
 public:
  BenchRunner(RunnerOptions options, JsonlStore* store, Progress* progress)
      : options_(std::move(options)), store_(store), progress_(progress) {}

  // `samples` are this shard's. Errors name the config source and the request.
  absl::Status Run(const std::vector<BenchConfig>& configs, const std::vector<BenchSample>& samples);

 private:
  absl::Status RunConfig(const BenchConfig& config, const std::vector<BenchSample>& samples);

  RunnerOptions options_;
  JsonlStore* store_;    // not owned
  Progress* progress_;   // not owned
};

}  // namespace xsd::bench
