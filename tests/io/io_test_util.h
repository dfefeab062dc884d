// Test helpers for the io module: files whose bytes are spelled out by hand
// (independent of the writer under test); scratch directories come from
// support/scratch_dir.h, whole-file reads and writes from support/whole_file.h.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include <ATen/core/Tensor.h>

#include "absl/status/status.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"

namespace xsd::testing {

inline std::string LittleEndian64(uint64_t n) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out;
}

// Length field + header text exactly as given + data.
inline std::string SafetensorsBytes(const std::string& header, const std::string& data = "") {
  return LittleEndian64(header.size()) + header + data;
}

// Same dtype, same shape, same bytes: exact, and NaN- and -0.0-safe.
inline bool SameBytes(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  at::Tensor ca = a.contiguous(), cb = b.contiguous();
  return ca.nbytes() == cb.nbytes() && (ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0);
}

inline bool Contains(const absl::Status& s, const std::string& needle) {
  return std::string(s.message()).find(needle) != std::string::npos;
}

}  // namespace xsd::testing
