// A whole file as a string: read, or written (replaced or appended to).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace xsd::bench::testing {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteAll(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
}

}  // namespace xsd::bench::testing
