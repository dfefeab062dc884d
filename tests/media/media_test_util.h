// Helpers for the media tests: the fixture manifest written by
// tools/fixtures/make_media_fixtures.py, raw reference files (scratch folders:
// support/scratch_dir.h; whole files: support/whole_file.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/scratch_dir.h"
#include "support/whole_file.h"

namespace xsd::testing {

inline std::string MediaDataDir() { return std::string(XSD_TEST_DATA_DIR) + "/media"; }

inline std::string MediaPath(const std::string& rel) { return MediaDataDir() + "/" + rel; }

inline nlohmann::json MediaManifest() { return nlohmann::json::parse(ReadWholeFile(MediaPath("manifest.json"))); }

// Raw little-endian array of T (this code runs on little-endian machines only).
template <typename T>
std::vector<T> ReadRaw(const std::string& path) {
  const std::string bytes = ReadWholeFile(path);
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace xsd::testing
