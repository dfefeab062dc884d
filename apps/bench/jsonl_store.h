// The JSON lines file of a run: nothing finished is ever lost.
//
// Line 1 is a header object ({"kind": "header", "settings": {...}, ...});
// every other line is one finished sample ({"kind": "record", ...},
// record.h), appended, flushed and fsync'ed before the next sample starts. A
// process killed mid-write leaves at most one torn last line: readers ignore
// it, and a resumed store cuts it away when it first appends. A write that
// fails (a full disk) cuts its own partial line away where it can and leaves
// every earlier line as it was; the store stays usable (a later write starts
// after the last complete line).
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

// The lines of a whole file, as a store writes them: the header, then one
// line per record (for files written at once, e.g. a merge's union).
std::string JsonlText(const nlohmann::json& header, const std::vector<SampleRecord>& records);

struct JsonlStoreOptions {
  // false: the file must not exist or be empty (FailedPrecondition otherwise,
  // so a finished run is never overwritten). true: keeps what is there, drops
  // a torn tail, and appends after it.
  bool resume = false;
  // For tests of a full disk: the file may grow to this many bytes; a write
  // past it stores the bytes that fit and then fails with ENOSPC, as a full
  // disk does. -1: no limit.
  int64_t byte_budget = -1;
};

class JsonlStore {
 public:
  static absl::StatusOr<std::unique_ptr<JsonlStore>> Open(const std::string& path, const JsonlStoreOptions& options);
  static absl::StatusOr<std::unique_ptr<JsonlStore>> Open(const std::string& path, bool resume) {
    JsonlStoreOptions options;
    options.resume = resume;
    return Open(path, options);
  }
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
  // Appends one record durably (write + fsync) and remembers it. On error
  // (naming the file) the record is not remembered and the file holds the
  // earlier lines.
  absl::Status Append(const SampleRecord& record);

 private:
  JsonlStore(std::string path, int fd, JsonlContents contents, int64_t byte_budget);
  absl::Status WriteLine(const std::string& text);
  absl::Status WriteBytes(const std::string& text);
  absl::Status CutToCompleteLines();

  std::string path_;
  int fd_ = -1;  // owned
  int64_t byte_budget_ = -1;
  bool positioned_ = false;  // file cut to contents_.good_bytes, offset there
  JsonlContents contents_;
  std::set<std::string> keys_;
};

}  // namespace xsd::bench
