// Internal to the io module: the safetensors dtype table and the header
// parser shared by the reader (SafetensorsFile) and the writer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace io_detail {

// The largest header accepted: real checkpoints have headers of a few MB;
// the reference implementation refuses more than 100 MB too.
inline constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;

// "F32" -> Float, ... nullopt for names libxsd does not read.
std::optional<c10::ScalarType> DtypeFromName(const std::string& name);
// Float -> "F32", ... nullptr for dtypes safetensors (as read here) lacks.
const char* DtypeName(c10::ScalarType dtype);

// "[2,3]" for messages.
std::string ShapeString(const std::vector<int64_t>& shape);

// What the header of one file says, validated against the file size.
struct ParsedHeader {
  uint64_t data_offset = 0;  // 8 + header length: where the data section starts
  std::map<std::string, TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
};

// Parses and validates the header of the safetensors file `path` whose
// `size` bytes start at `bytes`. Every error is InvalidArgument naming
// `path` and, where one is involved, the tensor.
absl::StatusOr<ParsedHeader> ParseHeader(const std::string& path, const uint8_t* bytes, uint64_t size);

}  // namespace io_detail
}  // namespace xsd
