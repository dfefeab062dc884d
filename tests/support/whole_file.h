// The tests' and fuzz targets' whole-file helpers: a file's bytes as a string,
// and a string written as a file's bytes (replacing it, or appended), both in
// binary mode so the bytes are exactly those given.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/string_view.h"

namespace xsd::testing {

// Every byte of `path`; empty when it cannot be opened.
inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `bytes` to `path`, replacing the file or, with `append`, after what it
// holds. True when every byte was written and the file closed cleanly.
inline bool WriteWholeFile(const std::string& path, absl::string_view bytes, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return !out.fail();
}

}  // namespace xsd::testing
