// One finished (config, request) pair: what the JSON lines file stores, and
// everything the reports are computed from. The GenerationResult is kept
// whole (tokens, stats, phase times, prefill breakdowns, timeline) so a
// report can always be regenerated from the JSON lines alone.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/core/scheduler.h"

namespace xsd::bench {

struct SampleRecord {
  std::string config;        // BenchConfig::name
  std::string id;            // request id "<scene>/<question index>"
  std::string scene;
  int question_index = 0;
  int position = 0;          // index of the request in the whole run (before sharding): report order
  std::string question;
  uint64_t pipeline_seed = 0;  // PipelineConfig.seed
  uint64_t request_seed = 0;   // Request.seed
  int shard = 0;               // ShardSpec::index of the process that ran it
  std::string text;          // decoded output (token ids joined by spaces when no tokenizer)
  GenerationResult result;

  // The resume / merge key: config + request id.
  std::string Key() const { return config + "\n" + id; }
};

nlohmann::json RecordToJson(const SampleRecord& record);
// InvalidArgument naming the missing or mistyped key.
absl::StatusOr<SampleRecord> RecordFromJson(const nlohmann::json& json);

nlohmann::json GenerationResultToJson(const GenerationResult& result);
absl::StatusOr<GenerationResult> GenerationResultFromJson(const nlohmann::json& json);

// Token ids as text ("12 7 301"), for models without a tokenizer.
std::string TokensAsText(const std::vector<TokenId>& tokens);

}  // namespace xsd::bench
