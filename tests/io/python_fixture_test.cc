// Files written by the reference implementations (safetensors' save_file,
// transformers' sharded save_pretrained), produced by
// tools/fixtures/make_io_fixtures.py into tests/data/io/. Until those
// fixtures are committed these cases only check that they are absent.
#include <filesystem>

#include <ATen/ATen.h>

#include "io_test_util.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::SameBytes;

const std::string kDataDir = std::string(XSD_TEST_DATA_DIR) + "/io";

// Written independently of the library's own dtype table.
c10::ScalarType DtypeNamed(const std::string& name) {
  static const std::map<std::string, c10::ScalarType> kTable = {
      {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"I64", at::kLong},
      {"I32", at::kInt},    {"I16", at::kShort}, {"I8", at::kChar},  {"U8", at::kByte},       {"BOOL", at::kBool}};
  return kTable.at(name);
}

TEST_CASE("save_file output: every dtype reads with the values Python wrote", "[io][fixture]") {
  const std::string path = kDataDir + "/reference.safetensors";
  if (!std::filesystem::exists(path)) {
    CHECK_FALSE(std::filesystem::exists(kDataDir + "/reference.json"));
    return;  // fixture not generated yet (tools/fixtures/make_io_fixtures.py)
  }
  auto expected_json = ReadJsonFile(kDataDir + "/reference.json");
  REQUIRE(expected_json.ok());
  auto file = SafetensorsFile::Open(path);
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  CHECK((*file)->metadata().at("origin") == "safetensors");
  auto tensors = JsonObject(&*expected_json, "reference.json").Object("tensors");
  REQUIRE(tensors.ok());
  REQUIRE((*file)->Names().size() == tensors->json().size());
  for (const auto& item : tensors->json().items()) {
    const std::string& name = item.key();
    INFO(name);
    auto entry = tensors->Object(name);
    REQUIRE(entry.ok());
    auto got = (*file)->Get(name);
    REQUIRE(got.ok());
    CHECK(got->scalar_type() == DtypeNamed(*entry->String("dtype")));
    CHECK(got->sizes().vec() == *entry->IntList("shape"));
    const at::Tensor flat = got->reshape({-1});
    if (got->is_floating_point()) {
      const std::vector<double> values = *entry->DoubleList("values");
      const at::Tensor as_double = flat.to(at::kDouble).contiguous();
      REQUIRE(as_double.numel() == static_cast<int64_t>(values.size()));
      for (size_t i = 0; i < values.size(); ++i) CHECK(as_double.data_ptr<double>()[i] == values[i]);
    } else {
      const std::vector<int64_t> values = *entry->IntList("values");
      const at::Tensor as_long = flat.to(at::kLong).contiguous();
      REQUIRE(as_long.numel() == static_cast<int64_t>(values.size()));
      for (size_t i = 0; i < values.size(); ++i) CHECK(as_long.data_ptr<int64_t>()[i] == values[i]);
    }
  }
}

TEST_CASE("transformers' sharded save reads like the same tensors in one file", "[io][fixture]") {
  const std::string dir = kDataDir + "/tiny_llama";
  if (!std::filesystem::exists(dir)) {
    CHECK_FALSE(std::filesystem::exists(kDataDir + "/tiny_llama_single.safetensors"));
    return;  // fixture not generated yet
  }
  auto sharded = CheckpointReader::Open(dir);
  INFO(sharded.status().ToString());
  REQUIRE(sharded.ok());
  CHECK((*sharded)->files().size() > 1);
  auto single = SafetensorsFile::Open(kDataDir + "/tiny_llama_single.safetensors");
  REQUIRE(single.ok());
  REQUIRE((*sharded)->Names() == (*single)->Names());
  CHECK((*sharded)->Find("model.layers.1.self_attn.k_proj.weight") != nullptr);
  for (const std::string& name : (*single)->Names()) {
    INFO(name);
    auto a = (*sharded)->Get(name);
    auto b = (*single)->Get(name);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->scalar_type() == at::kBFloat16);
    CHECK(SameBytes(*a, *b));
  }
  auto config = ReadJsonFile(dir + "/config.json");
  REQUIRE(config.ok());
  CHECK(*JsonObject(&*config, "config.json").Int("hidden_size") == 16);
}

}  // namespace
}  // namespace xsd
