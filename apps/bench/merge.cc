#include "merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jsonl_store.h"
#include "run_files.h"
#include "run_header.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> JsonlFilesOf(const std::string& input) {
  std::error_code ec;
  if (fs::is_regular_file(input, ec)) return std::vector<std::string>{input};
  if (!fs::is_directory(input, ec)) return absl::NotFoundError(absl::StrCat(input, ": no such file or directory"));
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(input, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && IsRunJsonl(name)) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return absl::NotFoundError(absl::StrCat(input, ": no e2e_wallclock_<time>*.jsonl files"));
  return files;
}

}  // namespace

absl::StatusOr<MergedRun> MergeShards(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("merge: no inputs (xsd_bench merge DIR...)");
  MergedRun merged;
  std::map<std::string, size_t> seen;  // key -> index into merged.records
  std::set<int> shards;
  for (const std::string& input : inputs) {
    XSD_ASSIGN_OR_RETURN(std::vector<std::string> files, JsonlFilesOf(input));
    for (const std::string& file : files) {
      XSD_ASSIGN_OR_RETURN(JsonlContents contents, ReadJsonl(file));
      if (!contents.header.has_value()) {
        if (contents.records.empty()) continue;  // a shard killed before its header: nothing to merge
        return absl::DataLossError(absl::StrCat(file, ": records without a header line"));
      }
      const nlohmann::json& header = *contents.header;
      if (merged.inputs.empty()) {
        merged.header = header;
        merged.shard_count = header["shard"].value("count", 1);
      } else {
        XSD_RETURN_IF_ERROR(CheckSameRun(merged.header, header, absl::StrCat("merge: ", file), /*ignore_shard=*/true));
        const int count = header["shard"].value("count", 1);
        if (count != merged.shard_count) {
          return absl::FailedPreconditionError(absl::StrCat("merge: ", file, ": shard count ", count, ", other inputs ",
                                                            merged.shard_count));
        }
      }
      if (contents.torn_tail) {
        XSD_LOG(WARNING) << file << ": ignored a torn last line";
      }
      shards.insert(header["shard"].value("index", 0));
      merged.inputs.push_back(file);
      for (SampleRecord& r : contents.records) {
        auto it = seen.find(r.Key());
        if (it != seen.end()) {
          if (merged.records[it->second].result.tokens != r.result.tokens) {
            return absl::DataLossError(absl::StrCat("merge: ", file, ": ", r.config, " ", r.id,
                                                    " recorded twice with different outputs"));
          }
          ++merged.duplicates;
          continue;
        }
        seen.emplace(r.Key(), merged.records.size());
        merged.records.push_back(std::move(r));
      }
    }
  }
  if (merged.inputs.empty()) return absl::NotFoundError("merge: no input had a header line");
  merged.shards.assign(shards.begin(), shards.end());
  merged.header["shard"] = {{"index", 0}, {"count", 1}};
  return merged;
}

}  // namespace xsd::bench
