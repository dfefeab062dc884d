#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace xsd {
namespace io_detail {
namespace {

absl::Status IoError(const std::string& path, const char* what, int err) {
  return absl::InternalError(absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(path, "cannot create the temporary file", errno);
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, fd));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(tmp_path_.c_str());
}

absl::Status AtomicFile::Write(const void* data, size_t size) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": write after commit"));
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    // Linux writes at most ~2 GiB per call; ask for 1 GiB at a time.
    const ssize_t n = write(fd_, p, std::min<size_t>(size, size_t{1} << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path_, "write failed", errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status AtomicFile::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": committed twice"));
  const int fd = fd_;
  fd_ = -1;
  // Data on disk before the rename makes it visible: after a crash the path
  // holds the old file or the whole new one.
  if (fsync(fd) != 0) {
    const int err = errno;
    close(fd);
    return IoError(path_, "fsync failed", err);
  }
  if (close(fd) != 0) return IoError(path_, "close failed", errno);
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) return IoError(path_, "rename failed", errno);
  committed_ = true;
  // Make the rename itself durable; some file systems refuse fsync on a
  // directory, which costs durability only, so that error is not reported.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

}  // namespace io_detail
}  // namespace xsd
