#include "safetensors_format.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"

namespace xsd {
namespace io_detail {
namespace {

using nlohmann::json;

struct DtypeEntry {
  const char* name;
  c10::ScalarType dtype;
};

constexpr DtypeEntry kDtypes[] = {
    {"F64", c10::ScalarType::Double}, {"F32", c10::ScalarType::Float},  {"F16", c10::ScalarType::Half},
    {"BF16", c10::ScalarType::BFloat16}, {"I64", c10::ScalarType::Long}, {"I32", c10::ScalarType::Int},
    {"I16", c10::ScalarType::Short},  {"I8", c10::ScalarType::Char},    {"U8", c10::ScalarType::Byte},
    {"BOOL", c10::ScalarType::Bool},
};

absl::Status Invalid(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status InvalidTensor(const std::string& path, const std::string& name, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", name, "': ", what));
}

// A JSON integer >= 0 (nlohmann stores non-negative literals as unsigned,
// negative ones as signed, and anything with a '.' or exponent as float).
std::optional<uint64_t> NonNegativeInteger(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

absl::Status ParseMetadata(const std::string& path, const json& value, std::map<std::string, std::string>* out) {
  if (!value.is_object()) {
    return Invalid(path, absl::StrCat("__metadata__ must be an object of strings, got ", value.type_name()));
  }
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) {
      return Invalid(path, absl::StrCat("__metadata__ must map strings to strings; '", key, "' is a ", v.type_name()));
    }
    (*out)[key] = v.get<std::string>();
  }
  return absl::OkStatus();
}

absl::StatusOr<TensorInfo> ParseEntry(const std::string& path, const std::string& name, const json& entry,
                                      uint64_t data_size) {
  if (!entry.is_object()) return InvalidTensor(path, name, absl::StrCat("entry is a ", entry.type_name(), ", not an object"));
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(field)) return InvalidTensor(path, name, absl::StrCat("entry lacks '", field, "'"));
  }
  TensorInfo info;
  info.name = name;
  info.file = path;

  const json& dtype = entry["dtype"];
  if (!dtype.is_string()) return InvalidTensor(path, name, absl::StrCat("dtype is a ", dtype.type_name(), ", not a string"));
  std::optional<c10::ScalarType> st = DtypeFromName(dtype.get<std::string>());
  if (!st) {
    std::vector<std::string> known;
    for (const auto& d : kDtypes) known.emplace_back(d.name);
    return InvalidTensor(path, name, absl::StrCat("unsupported dtype '", dtype.get<std::string>(), "' (supported: ",
                                                  absl::StrJoin(known, ", "), ")"));
  }
  info.dtype = *st;

  const json& shape = entry["shape"];
  if (!shape.is_array()) return InvalidTensor(path, name, absl::StrCat("shape is a ", shape.type_name(), ", not an array"));
  uint64_t numel = 1;
  bool overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    std::optional<uint64_t> d = NonNegativeInteger(shape[i]);
    if (!d || *d > static_cast<uint64_t>(INT64_MAX)) {
      return InvalidTensor(path, name, absl::StrCat("shape[", i, "] is ", shape[i].dump(), ", not a non-negative integer"));
    }
    info.shape.push_back(static_cast<int64_t>(*d));
    overflow = overflow || __builtin_mul_overflow(numel, *d, &numel);
  }

  const json& offsets = entry["data_offsets"];
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = NonNegativeInteger(offsets[0]);
    end = NonNegativeInteger(offsets[1]);
  }
  if (!begin || !end || *begin > *end) {
    return InvalidTensor(path, name, absl::StrCat("data_offsets must be two non-negative integers [begin, end] with "
                                                  "begin <= end, got ", offsets.dump()));
  }
  info.begin = *begin;
  info.end = *end;

  uint64_t nbytes = 0;
  overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(c10::elementSize(info.dtype)), &nbytes);
  if (overflow || nbytes != info.end - info.begin) {
    return InvalidTensor(path, name, absl::StrCat("data_offsets ", offsets.dump(), " hold ", info.end - info.begin,
                                                  " bytes, but shape ", shape.dump(), " of ", dtype.get<std::string>(),
                                                  overflow ? " overflows 64 bits" : absl::StrCat(" needs ", nbytes)));
  }
  if (info.end > data_size) {
    return InvalidTensor(path, name, absl::StrCat("data_offsets ", offsets.dump(), " reach beyond the data section (",
                                                  data_size, " bytes)"));
  }
  return info;
}

// The tensors' bytes must tile the data section [0, data_size): no byte is
// shared by two tensors (an overlap) and none belongs to no tensor (a hole,
// where a polyglot file could hide other content). Empty tensors hold no
// bytes and take part in neither.
absl::Status CheckDataTiling(const std::string& path, const std::map<std::string, TensorInfo>& tensors,
                             uint64_t data_offset, uint64_t data_size) {
  std::vector<const TensorInfo*> ranges;
  for (const auto& [name, info] : tensors) {
    if (info.end > info.begin) ranges.push_back(&info);
  }
  std::sort(ranges.begin(), ranges.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  // A hole [begin, end) of the data section, with its place in the file.
  auto hole = [&](uint64_t begin, uint64_t end, const std::string& where) {
    return Invalid(path, absl::StrCat("data section has a hole: bytes [", begin, ",", end, ") (file bytes [",
                                      data_offset + begin, ",", data_offset + end, ")) ", where,
                                      " belong to no tensor"));
  };
  uint64_t covered = 0;  // [0, covered) is tiled so far
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* t : ranges) {
    if (t->begin < covered) {
      return Invalid(path, absl::StrCat("tensors '", previous->name, "' [", previous->begin, ",", previous->end,
                                        ") and '", t->name, "' [", t->begin, ",", t->end, ") overlap"));
    }
    if (t->begin > covered) {
      return hole(covered, t->begin,
                  previous == nullptr ? absl::StrCat("before tensor '", t->name, "'")
                                      : absl::StrCat("between tensors '", previous->name, "' and '", t->name, "'"));
    }
    covered = t->end;
    previous = t;
  }
  if (covered < data_size) {
    return hole(covered, data_size,
                previous == nullptr ? std::string("in a file without tensor data")
                                    : absl::StrCat("after tensor '", previous->name, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<c10::ScalarType> DtypeFromName(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return d.dtype;
  }
  return std::nullopt;
}

const char* DtypeName(c10::ScalarType dtype) {
  for (const auto& d : kDtypes) {
    if (dtype == d.dtype) return d.name;
  }
  return nullptr;
}

std::string ShapeString(const std::vector<int64_t>& shape) { return absl::StrCat("[", absl::StrJoin(shape, ","), "]"); }

absl::StatusOr<ParsedHeader> ParseHeader(const std::string& path, const uint8_t* bytes, uint64_t size) {
  if (size < 8) {
    return Invalid(path, absl::StrCat("file has ", size, " bytes, fewer than the 8-byte header length"));
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];  // little-endian, whatever the host
  if (n == 0) return Invalid(path, "header length is 0");
  if (n > size - 8) {
    return Invalid(path, absl::StrCat("header length ", n, " exceeds the ", size - 8, " bytes that follow it"));
  }
  if (n > kMaxHeaderBytes) {
    return Invalid(path, absl::StrCat("header length ", n, " exceeds the limit of ", kMaxHeaderBytes, " bytes"));
  }

  // nlohmann stops at a NUL byte as if the input ended there, which would
  // leave the rest of the header unchecked; JSON text never holds one.
  if (const void* nul = std::memchr(bytes + 8, 0, n)) {
    return Invalid(path, absl::StrCat("header is not valid JSON: NUL byte at byte ",
                                      static_cast<const uint8_t*>(nul) - (bytes + 8) + 1, " of the header"));
  }

  // Duplicate names are not allowed by the format but nlohmann keeps the
  // last one silently, so the top-level keys are checked while parsing.
  std::set<std::string> keys;
  std::string duplicate;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second &&
        duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + n, on_event);
  } catch (const json::parse_error& e) {
    return Invalid(path, absl::StrCat("header is not valid JSON (byte ", e.byte, " of the header): ", e.what()));
  } catch (const json::exception& e) {
    return Invalid(path, absl::StrCat("header is not valid JSON: ", e.what()));
  }
  if (!header.is_object()) return Invalid(path, absl::StrCat("header is a JSON ", header.type_name(), ", not an object"));
  if (!duplicate.empty()) return Invalid(path, absl::StrCat("header names '", duplicate, "' twice"));

  ParsedHeader out;
  out.data_offset = 8 + n;
  const uint64_t data_size = size - out.data_offset;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      XSD_RETURN_IF_ERROR(ParseMetadata(path, value, &out.metadata));
      continue;
    }
    XSD_ASSIGN_OR_RETURN(TensorInfo info, ParseEntry(path, key, value, data_size));
    out.tensors.emplace(key, std::move(info));
  }
  XSD_RETURN_IF_ERROR(CheckDataTiling(path, out.tensors, out.data_offset, data_size));
  return out;
}

}  // namespace io_detail
}  // namespace xsd
