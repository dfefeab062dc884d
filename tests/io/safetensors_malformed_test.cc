// Every malformed safetensors file, crafted byte by byte, is refused by
// SafetensorsFile::Open with InvalidArgument naming the file and, where one
// is involved, the tensor. Nothing crashes or reads out of bounds.
#include <ATen/core/Tensor.h>

#include "io_test_util.h"
#include "xsd/io/safetensors.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Contains;
using testing::LittleEndian64;
using testing::SafetensorsBytes;
using testing::ScratchDir;
using testing::WriteWholeFile;

// Writes `bytes` as a file in `dir` and returns what Open says about it.
absl::Status OpenBytes(const ScratchDir& dir, const std::string& bytes, std::string* path) {
  *path = dir.File("bad.safetensors");
  WriteWholeFile(*path, bytes);
  return SafetensorsFile::Open(*path).status();
}

// Open must refuse `bytes` with InvalidArgument naming the file, `tensor`
// (when not empty) and `detail`.
void ExpectRefused(const std::string& bytes, const std::string& tensor, const std::string& detail) {
  ScratchDir dir("io");
  std::string path;
  const absl::Status s = OpenBytes(dir, bytes, &path);
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(s, path));
  if (!tensor.empty()) CHECK(Contains(s, "'" + tensor + "'"));
  CHECK(Contains(s, detail));
}

// A one-tensor file: entry `body` for tensor "w", then `data`.
std::string OneTensor(const std::string& body, const std::string& data) {
  return SafetensorsBytes(R"({"w":)" + body + "}", data);
}

TEST_CASE("Malformed: file shorter than the 8-byte length", "[io][malformed]") {
  ExpectRefused(std::string("\x05\0\0", 3), "", "3 bytes");
  ExpectRefused("", "", "0 bytes");
}

TEST_CASE("Malformed: header length 0", "[io][malformed]") {
  ExpectRefused(LittleEndian64(0) + "{}", "", "header length is 0");
}

TEST_CASE("Malformed: header length beyond the file", "[io][malformed]") {
  ExpectRefused(LittleEndian64(100) + "{}", "", "header length 100");
  ExpectRefused(LittleEndian64(~uint64_t{0}) + "{}", "", "exceeds");  // no overflow in the check
}

TEST_CASE("Malformed: header longer than the 100 MiB limit", "[io][malformed]") {
  ScratchDir dir("io");
  const uint64_t n = (uint64_t{100} << 20) + 1;
  const std::string path = dir.File("huge.safetensors");
  WriteWholeFile(path, LittleEndian64(n) + "{");
  std::filesystem::resize_file(path, 8 + n);  // sparse: costs no disk
  const absl::Status s = SafetensorsFile::Open(path).status();
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(s, path));
  CHECK(Contains(s, "limit"));
}

TEST_CASE("Malformed: header is not JSON", "[io][malformed]") {
  ExpectRefused(SafetensorsBytes(R"({"w": {"dtype": "F32",)"), "", "not valid JSON");
  ExpectRefused(SafetensorsBytes(std::string("{}\0\0", 4)), "", "not valid JSON");  // NUL padding is not whitespace
}

TEST_CASE("Malformed: header is not an object", "[io][malformed]") {
  ExpectRefused(SafetensorsBytes("[1, 2]  "), "", "not an object");
  ExpectRefused(SafetensorsBytes("\"text\""), "", "not an object");
}

TEST_CASE("Malformed: a tensor entry is not an object", "[io][malformed]") {
  ExpectRefused(OneTensor("[0, 4]", ""), "w", "not an object");
  ExpectRefused(OneTensor("null", ""), "w", "not an object");
}

TEST_CASE("Malformed: a tensor entry lacks a field", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"shape":[1],"data_offsets":[0,4]})", "abcd"), "w", "'dtype'");
  ExpectRefused(OneTensor(R"({"dtype":"F32","data_offsets":[0,4]})", "abcd"), "w", "'shape'");
  ExpectRefused(OneTensor(R"({"dtype":"F32","shape":[1]})", "abcd"), "w", "'data_offsets'");
}

TEST_CASE("Malformed: unknown or non-string dtype", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]})", "abcd"), "w", "F8_E4M3");
  ExpectRefused(OneTensor(R"({"dtype":"f32","shape":[1],"data_offsets":[0,4]})", "abcd"), "w", "'f32'");
  ExpectRefused(OneTensor(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})", "abcd"), "w", "dtype");
}

TEST_CASE("Malformed: shape dims negative, fractional or not numbers", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[-1],"data_offsets":[0,0]})", ""), "w", "shape[0]");
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[2,1.5],"data_offsets":[0,3]})", "abc"), "w", "shape[1]");
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":["4"],"data_offsets":[0,4]})", "abcd"), "w", "shape[0]");
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":4,"data_offsets":[0,4]})", "abcd"), "w", "shape");
}

TEST_CASE("Malformed: data_offsets not two ordered integers", "[io][malformed]") {
  for (const char* offsets : {"[0]", "[0,4,8]", R"([0,"4"])", "[4,0]", "[-1,3]", "[0.0,4]", "4"}) {
    INFO(offsets);
    ExpectRefused(OneTensor(std::string(R"({"dtype":"U8","shape":[4],"data_offsets":)") + offsets + "}", "abcdefgh"),
                  "w", "data_offsets");
  }
}

TEST_CASE("Malformed: byte size differs from the shape", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})", "abcdefgh"), "w", "needs 12");
  ExpectRefused(OneTensor(R"({"dtype":"F32","shape":[],"data_offsets":[0,0]})", ""), "w", "needs 4");
  // numel * element size overflows 64 bits; must not wrap to a match.
  ExpectRefused(OneTensor(R"({"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]})", ""), "w",
                "overflows");
}

TEST_CASE("Malformed: a range beyond the data section", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[8],"data_offsets":[0,8]})", "abcd"), "w", "beyond");
  // Offsets near 2^64: no wrap-around in begin + size arithmetic.
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[1],"data_offsets":[18446744073709551614,18446744073709551615]})",
                          "abcd"),
                "w", "beyond");
}

TEST_CASE("Malformed: tensors overlap", "[io][malformed]") {
  const std::string header =
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[3,7]}})";
  ExpectRefused(SafetensorsBytes(header, "abcdefgh"), "a", "overlap");
  ExpectRefused(SafetensorsBytes(header, "abcdefgh"), "b", "overlap");
  // The same range twice is an overlap too; empty tensors overlap nothing.
  const std::string same =
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})";
  ExpectRefused(SafetensorsBytes(same, "abcd"), "b", "overlap");
}

TEST_CASE("Malformed: a hole between two tensors names its byte range", "[io][malformed]") {
  // 'a' holds [0,4), 'b' [6,10): bytes [4,6) of the data section belong to no tensor.
  const std::string header =
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}})";
  const std::string bytes = SafetensorsBytes(header, "abcdXXefgh");
  const std::string file_range = "file bytes [" + std::to_string(8 + header.size() + 4) + "," +
                                 std::to_string(8 + header.size() + 6) + ")";
  ExpectRefused(bytes, "a", "hole: bytes [4,6)");
  ExpectRefused(bytes, "b", file_range);
}

TEST_CASE("Malformed: a hole before the first tensor", "[io][malformed]") {
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[2],"data_offsets":[2,4]})", "XXab"), "w", "hole: bytes [0,2)");
}

TEST_CASE("Malformed: bytes after the last tensor are a hole", "[io][malformed]") {
  // A polyglot: a valid tensor followed by unrelated content.
  ExpectRefused(OneTensor(R"({"dtype":"U8","shape":[2],"data_offsets":[0,2]})", "ab<html></html>"), "w",
                "hole: bytes [2,15)");
  // Data without any tensor (only an empty one) is a hole too.
  ExpectRefused(OneTensor(R"({"dtype":"F32","shape":[0],"data_offsets":[0,0]})", "abcd"), "",
                "hole: bytes [0,4)");
  ExpectRefused(SafetensorsBytes("{}", "abcd"), "", "hole: bytes [0,4)");
}

TEST_CASE("Tensors tiling the data section in any header order are accepted", "[io][malformed]") {
  ScratchDir dir("io");
  const std::string header =
      R"({"z":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[3],"data_offsets":[2,5]},)"
      R"("e":{"dtype":"F32","shape":[0],"data_offsets":[5,5]}})";
  std::string path;
  const absl::Status s = OpenBytes(dir, SafetensorsBytes(header, "abcde"), &path);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("Empty tensors sharing an offset with data are not overlaps", "[io][malformed]") {
  ScratchDir dir("io");
  const std::string header =
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,5],"data_offsets":[2,2]}})";
  std::string path;
  const absl::Status s = OpenBytes(dir, SafetensorsBytes(header, "abcd"), &path);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("Malformed: __metadata__ not a string-to-string object", "[io][malformed]") {
  ExpectRefused(SafetensorsBytes(R"({"__metadata__":{"format":"pt","epoch":3}})"), "", "'epoch'");
  ExpectRefused(SafetensorsBytes(R"({"__metadata__":["pt"]})"), "", "__metadata__");
  ExpectRefused(SafetensorsBytes(R"({"__metadata__":"pt"})"), "", "__metadata__");
}

TEST_CASE("Malformed: a name given twice", "[io][malformed]") {
  const std::string header =
      R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})";
  ExpectRefused(SafetensorsBytes(header, "abcd"), "w", "twice");
}

TEST_CASE("Open of a missing file or a directory names the path", "[io][malformed]") {
  ScratchDir dir("io");
  auto missing = SafetensorsFile::Open(dir.File("absent.safetensors"));
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(missing.status(), dir.File("absent.safetensors")));
  auto directory = SafetensorsFile::Open(dir.path());
  CHECK(directory.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(directory.status(), dir.path()));
}

}  // namespace
}  // namespace xsd
