// File names of a run inside --output_dir. A run is named by its start time,
// like the research pipeline's outputs, so repeated runs in one directory
// never collide and --resume can find the latest one:
//   e2e_wallclock_<YYYYMMDD_HHMMSS>[.shard-i-of-N].jsonl   (the JSON lines)
//   e2e_wallclock_<ts>[.shard-i-of-N].json / .md, <chart>_<ts>[.shard-i-of-N].png
//   e2e_wallclock_<ts>.merged.jsonl                          (merge)
#pragma once

#include <optional>
#include <string>

namespace xsd::bench {

std::string JsonlFileName(const std::string& timestamp, const std::string& shard_suffix);
std::string MergedJsonlFileName(const std::string& timestamp);

struct RunFile {
  std::string path;
  std::string timestamp;
};

// The latest (by start time) JSON lines file of this shard in `dir`; nullopt
// when there is none. Merged files are not runs and are skipped.
std::optional<RunFile> FindLatestRun(const std::string& dir, const std::string& shard_suffix);

// True for e2e_wallclock_<ts>[...].jsonl names, merged ones excluded.
bool IsRunJsonl(const std::string& file_name);

}  // namespace xsd::bench
