// SafetensorsFile and WriteSafetensors on well-formed files: round trips of
// every dtype, files built by hand byte for byte, zero-copy views and their
// lifetime.
#include "xsd/io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/ATen.h>

#include "io_test_util.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Contains;
using testing::ReadWholeFile;
using testing::SameBytes;
using testing::SafetensorsBytes;
using testing::ScratchDir;
using testing::WriteWholeFile;

bool IsViewOfMapping(const SafetensorsFile& file, const std::string& name, const at::Tensor& t) {
  const TensorInfo* info = file.Find(name);
  return t.data_ptr() == file.mapped_data() + file.data_offset() + info->begin;
}

// One tensor per supported dtype with edge values that must survive exactly.
std::vector<std::pair<std::string, at::Tensor>> EveryDtype() {
  const auto f = at::TensorOptions().dtype(at::kFloat);
  const float inf = std::numeric_limits<float>::infinity();
  at::Tensor floats = at::tensor({1.5f, -2.25f, 0.0f, -0.0f, inf, -inf, std::nanf(""), 0.0078125f}, f).reshape({2, 4});
  return {
      {"f64", at::tensor({1.0 / 3.0, -1e300, 5e-324, 0.0}, at::kDouble)},
      {"f32", floats},
      {"f16", at::tensor({1.0f, -2.0f, 65504.0f, 0.00006103515625f, 0.5f}, f).to(at::kHalf)},
      {"bf16", at::tensor({1.0f, -3.0f, 3.3895313892515355e38f, 0.0078125f}, f).to(at::kBFloat16).reshape({2, 2})},
      {"i64", at::tensor({std::numeric_limits<int64_t>::min(), int64_t{-1}, std::numeric_limits<int64_t>::max()}, at::kLong)},
      {"i32", at::tensor({std::numeric_limits<int32_t>::min(), 7, std::numeric_limits<int32_t>::max()}, at::kInt)},
      {"i16", at::tensor({-32768, 12, 32767}, at::kInt).to(at::kShort)},
      {"i8", at::tensor({-128, 0, 127}, at::kInt).to(at::kChar)},
      {"u8", at::tensor({0, 128, 255}, at::kInt).to(at::kByte).reshape({3, 1})},
      {"bool", at::tensor({1, 0, 1, 1}, at::kInt).to(at::kBool)},
      {"scalar", at::tensor(42.5, at::kDouble).reshape({})},
      {"empty", at::zeros({0}, at::kFloat)},
      {"empty_3d", at::zeros({2, 0, 3}, at::kHalf)},
      {"rank4", at::arange(24, at::kInt).reshape({1, 2, 3, 4})},
  };
}

TEST_CASE("Every dtype and shape survives a write and a read exactly", "[io][safetensors]") {
  ScratchDir dir("io");
  const auto tensors = EveryDtype();
  const std::string path = dir.File("all.safetensors");
  const absl::Status written = WriteSafetensors(path, tensors, {{"format", "pt"}, {"note", "ünïcode"}});
  INFO(written.ToString());
  REQUIRE(written.ok());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));

  auto file = SafetensorsFile::Open(path);
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  CHECK((*file)->metadata() == std::map<std::string, std::string>{{"format", "pt"}, {"note", "ünïcode"}});
  std::vector<std::string> expected_names;
  for (const auto& [name, t] : tensors) expected_names.push_back(name);
  std::sort(expected_names.begin(), expected_names.end());
  CHECK((*file)->Names() == expected_names);
  for (const auto& [name, original] : tensors) {
    INFO(name);
    auto read = (*file)->Get(name);
    REQUIRE(read.ok());
    CHECK(read->device().is_cpu());
    CHECK(read->is_contiguous());
    CHECK(SameBytes(*read, original));
    CHECK((*file)->Find(name)->file == path);
  }
  // A few values by hand, not through the writer.
  CHECK((*file)->Get("f32")->index({0, 1}).item<float>() == -2.25f);
  CHECK((*file)->Get("i64")->index({0}).item<int64_t>() == std::numeric_limits<int64_t>::min());
  CHECK((*file)->Get("scalar")->dim() == 0);
  CHECK((*file)->Get("empty_3d")->sizes() == at::IntArrayRef({2, 0, 3}));
}

TEST_CASE("Non-contiguous and strided inputs are written as their logical values", "[io][safetensors]") {
  ScratchDir dir("io");
  at::Tensor base = at::arange(12, at::kFloat).reshape({3, 4});
  at::Tensor transposed = base.t();                 // [4,3], non-contiguous
  at::Tensor sliced = base.index({at::indexing::Slice(), 1});  // column 1: 1, 5, 9
  REQUIRE(WriteSafetensors(dir.File("s.safetensors"), {{"t", transposed}, {"s", sliced}}).ok());
  auto file = SafetensorsFile::Open(dir.File("s.safetensors"));
  REQUIRE(file.ok());
  at::Tensor t = *(*file)->Get("t");
  CHECK(t.sizes() == at::IntArrayRef({4, 3}));
  CHECK(t.index({1, 2}).item<float>() == 9.0f);  // base[2][1]
  at::Tensor s = *(*file)->Get("s");
  CHECK(at::equal(s, at::tensor({1.0f, 5.0f, 9.0f})));
}

TEST_CASE("A hand-built file is read with the values its bytes spell", "[io][safetensors]") {
  ScratchDir dir("io");
  // I16 [1, -1], then BF16 1.0 (0x3F80), then F16 1.0 (0x3C00).
  std::string header =
      R"({"a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]},)"
      R"("c":{"dtype":"F16","shape":[1],"data_offsets":[6,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  const std::string data("\x01\x00\xff\xff\x80\x3f\x00\x3c", 8);
  WriteWholeFile(dir.File("h.safetensors"), SafetensorsBytes(header, data));
  auto file = SafetensorsFile::Open(dir.File("h.safetensors"));
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  CHECK(at::equal(*(*file)->Get("a"), at::tensor({1, -1}, at::kShort)));
  CHECK((*file)->Get("b")->scalar_type() == at::kBFloat16);
  CHECK((*file)->Get("b")->dim() == 0);
  CHECK((*file)->Get("b")->item<float>() == 1.0f);
  CHECK((*file)->Get("c")->item<float>() == 1.0f);
  CHECK((*file)->metadata().empty());
  CHECK((*file)->data_offset() == 8 + header.size());
}

TEST_CASE("WriteSafetensors writes exactly the bytes of the format", "[io][safetensors]") {
  ScratchDir dir("io");
  // Expected file written out by hand: keys sorted, compact JSON, F32 data
  // first (larger elements first), header padded to 144 bytes (8 + 144 = 152).
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"data_offsets":[8,11],"dtype":"I8","shape":[3]},)"
      R"("b":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})"
      "      ";
  REQUIRE(header.size() == 144);
  const std::string expected = std::string("\x90\0\0\0\0\0\0\0", 8) + header +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8) +  // 1.0f, -2.0f
                               std::string("\x01\xfe\x03", 3);                      // 1, -2, 3
  const std::string path = dir.File("tiny.safetensors");
  REQUIRE(WriteSafetensors(path,
                           {{"b", at::tensor({1.0f, -2.0f})}, {"a", at::tensor({1, -2, 3}, at::kInt).to(at::kChar)}},
                           {{"format", "pt"}})
              .ok());
  CHECK(ReadWholeFile(path) == expected);
}

TEST_CASE("Aligned tensors are views of the mapping and outlive the file object", "[io][safetensors]") {
  ScratchDir dir("io");
  const auto tensors = EveryDtype();
  const std::string path = dir.File("v.safetensors");
  REQUIRE(WriteSafetensors(path, tensors).ok());
  std::vector<std::pair<std::string, at::Tensor>> views;
  {
    auto file = SafetensorsFile::Open(path);
    REQUIRE(file.ok());
    for (const auto& [name, original] : tensors) {
      at::Tensor t = *(*file)->Get(name);
      if (t.numel() > 0) {
        INFO(name);
        CHECK(IsViewOfMapping(**file, name, t));  // every tensor of our own files is aligned
      }
      views.emplace_back(name, t);
    }
  }  // the file object is gone; the mapping must not be
  for (size_t i = 0; i < views.size(); ++i) {
    INFO(views[i].first);
    CHECK(SameBytes(views[i].second, tensors[i].second));
  }
  // Copy-on-write: writing into a view never reaches the file.
  at::Tensor f32 = views[1].second;
  REQUIRE(views[1].first == "f32");
  f32.fill_(7.0f);
  auto reopened = SafetensorsFile::Open(path);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Get("f32")->index({0, 0}).item<float>() == 1.5f);
}

TEST_CASE("A tensor not aligned to its element size is returned as a copy", "[io][safetensors]") {
  ScratchDir dir("io");
  // Header of 55 bytes: the data section starts at file offset 63, odd.
  const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} )";
  REQUIRE(header.size() == 55);
  WriteWholeFile(dir.File("odd.safetensors"),
                 SafetensorsBytes(header, std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8)));
  auto file = SafetensorsFile::Open(dir.File("odd.safetensors"));
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  at::Tensor x = *(*file)->Get("x");
  CHECK_FALSE(IsViewOfMapping(**file, "x", x));
  CHECK(reinterpret_cast<uintptr_t>(x.data_ptr()) % 4 == 0);
  CHECK(at::equal(x, at::tensor({1.0f, -2.0f})));
}

TEST_CASE("Get of an unknown tensor is NotFound naming tensor and file", "[io][safetensors]") {
  ScratchDir dir("io");
  REQUIRE(WriteSafetensors(dir.File("n.safetensors"), {{"w", at::ones({2})}}).ok());
  auto file = SafetensorsFile::Open(dir.File("n.safetensors"));
  REQUIRE(file.ok());
  CHECK((*file)->Find("nope") == nullptr);
  auto got = (*file)->Get("nope");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(got.status(), "'nope'"));
  CHECK(Contains(got.status(), dir.File("n.safetensors")));
}

TEST_CASE("WriteSafetensors refuses what it cannot write, naming the tensor", "[io][safetensors]") {
  ScratchDir dir("io");
  const std::string path = dir.File("bad.safetensors");
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    const char* tensor;
  };
  const std::vector<Case> cases = {
      {"duplicate name", {{"w", at::ones({1})}, {"w", at::ones({1})}}, "'w'"},
      {"reserved name", {{"__metadata__", at::ones({1})}}, "'__metadata__'"},
      {"undefined tensor", {{"u", at::Tensor()}}, "'u'"},
      {"unsupported dtype", {{"c", at::ones({2}, at::kComplexFloat)}}, "'c'"},
      {"sparse tensor", {{"sp", at::ones({2, 2}).to_sparse()}}, "'sp'"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const absl::Status s = WriteSafetensors(path, c.tensors);
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(s, path));
    CHECK(Contains(s, c.tensor));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  const absl::Status no_dir = WriteSafetensors(dir.File("missing/x.safetensors"), {{"w", at::ones({1})}});
  CHECK_FALSE(no_dir.ok());
  CHECK(Contains(no_dir, dir.File("missing/x.safetensors")));
}

TEST_CASE("Rewriting a file replaces it whole", "[io][safetensors]") {
  ScratchDir dir("io");
  const std::string path = dir.File("r.safetensors");
  REQUIRE(WriteSafetensors(path, {{"old", at::ones({1000})}}).ok());
  auto old_file = SafetensorsFile::Open(path);  // its mapping must stay valid across the rename
  REQUIRE(old_file.ok());
  REQUIRE(WriteSafetensors(path, {{"new", at::zeros({3})}}).ok());
  auto new_file = SafetensorsFile::Open(path);
  REQUIRE(new_file.ok());
  CHECK((*new_file)->Names() == std::vector<std::string>{"new"});
  CHECK((*old_file)->Get("old")->sum().item<float>() == 1000.0f);
}

}  // namespace
}  // namespace xsd
