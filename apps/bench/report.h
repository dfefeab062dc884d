// A run's reports, always regenerated from the JSON lines (header + records):
// (<ts> followed by ".shard-i-of-N" for a shard's own run; every file is
// written atomically, atomic_file.h):
//   e2e_wallclock_<ts>.json   research-compatible keys (research_keys.h) + aggregates
//   e2e_wallclock_<ts>.md     tables: results, three-stage timing, speedup analysis, cost model
//   speedup_comparison_<ts>.png, timing_breakdown_<ts>.png,
//   accept_rate_comparison_<ts>.png, prefill_hiding_<ts>.png
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "record.h"
#include "summary.h"
#include "system_info.h"

namespace xsd::bench {

struct ReportInput {
  nlohmann::json header;              // run_header.h
  std::vector<SampleRecord> records;  // any order; sorted by config then position
  SystemInfo system;
  std::string timestamp;              // YYYYMMDD_HHMMSS
  std::vector<int> shards_merged;     // merge: the shard indices combined
  // A shard's own run: "shard-i-of-N" (ShardSpec::Suffix), in every report
  // file name, so shards sharing an --output_dir (and a start second) keep
  // their own reports; empty otherwise.
  std::string file_suffix;
};

struct ReportFiles {
  std::string json;
  std::string markdown;
  std::vector<std::string> charts;
};

// "<name>_<ts>" or "<name>_<ts>.<file_suffix>": a report file's name without
// its extension.
std::string ReportFileStem(const std::string& name, const ReportInput& input);

// Records in report order: header config order, then request position.
void SortRecords(const nlohmann::json& header, std::vector<SampleRecord>& records);
RunSummary SummarizeRun(const ReportInput& input);
nlohmann::json ReportJson(const ReportInput& input, const RunSummary& summary);

absl::StatusOr<ReportFiles> WriteReports(ReportInput input, const std::string& output_dir, bool charts);

// Local time, YYYYMMDD_HHMMSS.
std::string NowTimestamp();

}  // namespace xsd::bench
