#include "run_files.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;
constexpr char kPrefix[] = "e2e_wallclock_";
constexpr size_t kTimestampLength = 15;  // YYYYMMDD_HHMMSS

}  // namespace

std::string JsonlFileName(const std::string& timestamp, const std::string& shard_suffix) {
  return shard_suffix.empty() ? absl::StrCat(kPrefix, timestamp, ".jsonl")
                              : absl::StrCat(kPrefix, timestamp, ".", shard_suffix, ".jsonl");
}

std::string MergedJsonlFileName(const std::string& timestamp) { return absl::StrCat(kPrefix, timestamp, ".merged.jsonl"); }

bool IsRunJsonl(const std::string& name) {
  return absl::StartsWith(name, kPrefix) && absl::EndsWith(name, ".jsonl") && !absl::EndsWith(name, ".merged.jsonl") &&
         name.size() >= sizeof(kPrefix) - 1 + kTimestampLength + 6;
}

std::optional<RunFile> FindLatestRun(const std::string& dir, const std::string& shard_suffix) {
  std::optional<RunFile> latest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !IsRunJsonl(name)) continue;
    const std::string ts = name.substr(sizeof(kPrefix) - 1, kTimestampLength);
    if (name != JsonlFileName(ts, shard_suffix)) continue;  // another shard's
    if (!latest.has_value() || ts > latest->timestamp) latest = RunFile{entry.path().string(), ts};
  }
  return latest;
}

}  // namespace xsd::bench
