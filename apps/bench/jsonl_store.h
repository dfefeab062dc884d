// The JSON lines file of a run: nothing finished is ever lost.
//
// Line 1 is a header object ({"kind": "header", "settings": {...}, ...});
// every other line is one finished sample ({"kind": "record", ...},
// record.h), appended, flushed and fsync'ed before the next sample starts. A
// process killed mid-write leaves at most one torn last line: readers ignore
// it, and a resumed store cuts it away when it first appends.
//
// Ownership and threading: a JsonlStore owns its file descriptor; one writer
// per file, not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "record.h"

namespace xsd::bench {

struct JsonlContents {
  std::optional<nlohmann::json> header;
  std::vector<SampleRecord> records;
  int64_t good_bytes = 0;     // length of the complete, parsed lines
  bool torn_tail = false;     // a partial or unparsable last line was ignored
};

// Reads a JSON lines file; a bad line other than the last is an error naming
// the file and the line.
absl::StatusOr<JsonlContents> ReadJsonl(const std::string& path);

class JsonlStore {
 public:
  // resume = false: `path` must not exist or be empty (FailedPrecondition
  // otherwise, so a finished run is never overwritten). resume = true: keeps
  // what is there, drops a torn tail, and appends after it.
  static absl::StatusOr<std::unique_ptr<JsonlStore>> Open(const std::string& path, bool resume);
  ~JsonlStore();
  JsonlStore(const JsonlStore&) = delete;
  JsonlStore& operator=(const JsonlStore&) = delete;

  const std::string& path() const { return path_; }
  const std::optional<nlohmann::json>& header() const { return contents_.header; }
  const std::vector<SampleRecord>& records() const { return contents_.records; }
  bool dropped_torn_tail() const { return contents_.torn_tail; }
  bool Has(const std::string& key) const { return keys_.count(key) > 0; }

  // Writes the header; only on a store without one.
  absl::Status WriteHeader(const nlohmann::json& header);
  // Appends one record durably (write + fsync) and remembers it.
  absl::Status Append(const SampleRecord& record);

 private:
  JsonlStore(std::string path, int fd, JsonlContents contents);
  absl::Status WriteLine(const nlohmann::json& line);

  std::string path_;
  int fd_ = -1;  // owned
  bool positioned_ = false;  // torn tail cut, offset at the end
  JsonlContents contents_;
  std::set<std::string> keys_;
};

}  // namespace xsd::bench
