// Helpers for the media tests: the fixture manifest written by
// tools/fixtures/make_media_fixtures.py, raw reference files (scratch folders:
// support/scratch_dir.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/scratch_dir.h"

namespace xsd::testing {

inline std::string MediaDataDir() { return std::string(XSD_TEST_DATA_DIR) + "/media"; }

inline std::string MediaPath(const std::string& rel) { return MediaDataDir() + "/" + rel; }

inline nlohmann::json MediaManifest() {
  std::ifstream in(MediaPath("manifest.json"));
  return nlohmann::json::parse(in);
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Raw little-endian array of T (this code runs on little-endian machines only).
template <typename T>
std::vector<T> ReadRaw(const std::string& path) {
  const std::string bytes = ReadBytes(path);
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace xsd::testing
