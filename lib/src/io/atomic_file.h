// Internal to the io module: a file written under `path`.tmp and renamed over
// `path` by Commit, so `path` is either the old file or the complete new one,
// never a half-written one, whatever happens in between.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace xsd {
namespace io_detail {

// Call order: Create, Write..., Commit. Dropping the object before Commit
// removes the temporary file. Errors name the path. Not thread-safe.
class AtomicFile {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  absl::Status Write(const void* data, size_t size);
  // Flushes to disk (fsync), closes and renames the temporary over the path.
  absl::Status Commit();

 private:
  AtomicFile(std::string path, int fd) : path_(std::move(path)), tmp_path_(path_ + ".tmp"), fd_(fd) {}
  std::string path_;
  std::string tmp_path_;
  int fd_;  // -1 once closed
  bool committed_ = false;
};

}  // namespace io_detail
}  // namespace xsd
