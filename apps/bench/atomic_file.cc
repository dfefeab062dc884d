#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace xsd::bench {
namespace {

absl::Status Errno(const std::string& file, const char* step) {
  return absl::InternalError(absl::StrCat(file, ": ", step, ": ", std::strerror(errno)));
}

absl::Status WriteAndSync(int fd, const std::string& file, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(file, "write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Errno(file, "fsync");
  return absl::OkStatus();
}

// The rename itself reaches the disk with its directory's entry.
void SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string PartialPath(const std::string& path) { return path + ".partial"; }

absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string partial = PartialPath(path);
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(partial, "cannot open for writing");
  absl::Status written = WriteAndSync(fd, partial, bytes);
  if (::close(fd) != 0 && written.ok()) written = Errno(partial, "close");
  if (written.ok() && ::rename(partial.c_str(), path.c_str()) != 0) {
    written = absl::InternalError(absl::StrCat(path, ": cannot rename ", partial, " over it: ", std::strerror(errno)));
  }
  if (!written.ok()) {
    ::unlink(partial.c_str());
    return written;
  }
  SyncDirectoryOf(path);
  return absl::OkStatus();
}

}  // namespace xsd::bench
