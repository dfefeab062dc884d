// The header line of a run's JSON lines file: the settings that decide what
// the records mean (flags after defaults, each config as run). A resume must
// match it; a merge must find it equal across shards (shard aside); reports
// read the config facts back from it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "bench_options.h"
#include "config_set.h"
#include "summary.h"

namespace xsd::bench {

// {"settings": {...}, "configs": [{name, source, gamma, speculative, mock, dtype, pbtxt}], "shard": {...}}
nlohmann::json MakeRunHeader(const BenchOptions& options, const std::vector<BenchConfig>& configs,
                             const ShardSpec& shard);

// FailedPrecondition naming the first differing setting ("--resume: ... was
// written with max_new_tokens=30, this run has 50"). `ignore_shard` for merges.
absl::Status CheckSameRun(const nlohmann::json& recorded, const nlohmann::json& current, const std::string& what,
                          bool ignore_shard);

// Config facts for Summarize, from a header.
std::vector<ConfigFacts> ConfigFactsOf(const nlohmann::json& header);
std::string BaselineOf(const nlohmann::json& header);
// True when every config of the run is built from mock models only.
bool AllMock(const nlohmann::json& header);

}  // namespace xsd::bench
