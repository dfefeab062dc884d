// The one scratch directory of the tests and fuzz targets: a fresh directory
// under the system temp dir (mkdtemp, so unique even when tests run in
// parallel), removed with everything in it on destruction.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace xsd::testing {

class ScratchDir {
 public:
  // Made as <temp dir>/xsd_<prefix>_XXXXXX; aborts when it cannot be made
  // (every user needs it, and a test without it would fail misleadingly).
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("xsd_" + prefix + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror(("xsd tests: mkdtemp " + pattern).c_str());
      std::abort();
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // `name` (may hold subdirectories) inside this directory.
  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

}  // namespace xsd::testing
