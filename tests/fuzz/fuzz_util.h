// Shared by the fuzz targets: a scratch directory per fuzzing process (the
// parsers under test read files or directories) and a check that aborts, so
// libFuzzer records the input, when a parser breaks its own contract.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"

namespace xsd::fuzz {

// The process's scratch directory (created on first use).
inline const testing::ScratchDir& Scratch() {
  static testing::ScratchDir dir("fuzz");
  return dir;
}

// Writes `size` bytes to `path`, replacing the file; aborts when it cannot
// (the target would otherwise fuzz a stale or missing file).
inline void WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  if (!testing::WriteWholeFile(path, absl::string_view(reinterpret_cast<const char*>(data), size))) {
    std::fprintf(stderr, "xsd fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// A contract the code under test promises (e.g. "errors name the file"):
// broken, it is a finding, so the process aborts and libFuzzer keeps the input.
inline void Expect(bool ok, const char* what, const absl::Status& status = absl::OkStatus()) {
  if (!ok) {
    std::fprintf(stderr, "xsd fuzz: broken contract: %s (status: %s)\n", what, status.ToString().c_str());
    std::abort();
  }
}

// Every error of a parser names its input file.
inline void ExpectNamesFile(const absl::Status& status, const std::string& path) {
  if (!status.ok()) Expect(status.message().find(path) != absl::string_view::npos, "the error names the file", status);
}

}  // namespace xsd::fuzz
