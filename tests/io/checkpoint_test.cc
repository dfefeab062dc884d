// CheckpointReader and WriteCheckpoint: single files, sharded checkpoints
// with their index, and every inconsistency between index and shards.
#include <algorithm>

#include <ATen/ATen.h>

#include "io_test_util.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Contains;
using testing::SameBytes;
using testing::ScratchDir;
using testing::WriteWholeFile;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Sizes in bytes: 64, 16, 32, 8, 80, 200, 3 (total 403).
NamedTensors SevenTensors() {
  return {
      {"layers.0.w", at::arange(16, at::kFloat).reshape({4, 4})},
      {"layers.0.b", at::arange(4, at::kFloat) - 2},
      {"layers.1.w", (at::arange(16, at::kFloat) / 4).to(at::kBFloat16).reshape({4, 4})},
      {"layers.1.b", at::full({4}, 0.5, at::kBFloat16)},
      {"embed", (at::arange(40, at::kFloat) / 8).to(at::kHalf).reshape({10, 4})},
      {"big", at::arange(50, at::kFloat) * -1.5},
      {"flag", at::tensor({1, 0, 1}, at::kInt).to(at::kBool)},
  };
}

void ExpectAllTensors(const CheckpointReader& reader, const NamedTensors& tensors) {
  std::vector<std::string> names;
  for (const auto& [name, original] : tensors) {
    INFO(name);
    names.push_back(name);
    auto got = reader.Get(name);
    REQUIRE(got.ok());
    CHECK(SameBytes(*got, original));
    REQUIRE(reader.Find(name) != nullptr);
    CHECK(reader.Find(name)->dtype == original.scalar_type());
  }
  std::sort(names.begin(), names.end());
  CHECK(reader.Names() == names);
}

TEST_CASE("A small checkpoint is one model.safetensors", "[io][checkpoint]") {
  ScratchDir dir("io");
  const std::string ckpt = dir.File("ckpt");  // created by WriteCheckpoint
  REQUIRE(WriteCheckpoint(ckpt, SevenTensors()).ok());
  CHECK(std::filesystem::exists(ckpt + "/model.safetensors"));
  CHECK_FALSE(std::filesystem::exists(ckpt + "/model.safetensors.index.json"));
  for (const std::string& path : {ckpt, ckpt + "/model.safetensors"}) {
    INFO(path);
    auto reader = CheckpointReader::Open(path);
    INFO(reader.status().ToString());
    REQUIRE(reader.ok());
    CHECK((*reader)->files().size() == 1);
    CHECK((*reader)->files()[0]->metadata().at("format") == "pt");
    ExpectAllTensors(**reader, SevenTensors());
  }
}

TEST_CASE("A sharded checkpoint round-trips through its index", "[io][checkpoint]") {
  ScratchDir dir("io");
  const NamedTensors tensors = SevenTensors();
  REQUIRE(WriteCheckpoint(dir.path(), tensors, /*max_shard_bytes=*/100).ok());
  CHECK_FALSE(std::filesystem::exists(dir.File("model.safetensors")));

  // Greedy packing by hand: {64,16} {32,8} {80} {200} {3}.
  auto index = ReadJsonFile(dir.File("model.safetensors.index.json"));
  REQUIRE(index.ok());
  CHECK((*index)["metadata"]["total_size"] == 403);
  const std::map<std::string, std::string> expected_map = {
      {"layers.0.w", "model-00001-of-00005.safetensors"}, {"layers.0.b", "model-00001-of-00005.safetensors"},
      {"layers.1.w", "model-00002-of-00005.safetensors"}, {"layers.1.b", "model-00002-of-00005.safetensors"},
      {"embed", "model-00003-of-00005.safetensors"},      {"big", "model-00004-of-00005.safetensors"},
      {"flag", "model-00005-of-00005.safetensors"},
  };
  CHECK((*index)["weight_map"].get<std::map<std::string, std::string>>() == expected_map);

  for (const std::string& path : {dir.path(), dir.File("model.safetensors.index.json")}) {
    INFO(path);
    auto reader = CheckpointReader::Open(path);
    INFO(reader.status().ToString());
    REQUIRE(reader.ok());
    CHECK((*reader)->files().size() == 5);
    ExpectAllTensors(**reader, tensors);
    CHECK((*reader)->Find("big")->file == dir.File("model-00004-of-00005.safetensors"));
  }
}

TEST_CASE("Rewriting a checkpoint in the other layout removes the stale entry point", "[io][checkpoint]") {
  ScratchDir dir("io");
  REQUIRE(WriteCheckpoint(dir.path(), {{"old", at::zeros({100})}}).ok());
  REQUIRE(WriteCheckpoint(dir.path(), SevenTensors(), 100).ok());
  CHECK_FALSE(std::filesystem::exists(dir.File("model.safetensors")));
  auto sharded = CheckpointReader::Open(dir.path());
  REQUIRE(sharded.ok());
  CHECK((*sharded)->Find("old") == nullptr);
  REQUIRE(WriteCheckpoint(dir.path(), {{"new", at::ones({2})}}).ok());
  CHECK_FALSE(std::filesystem::exists(dir.File("model.safetensors.index.json")));
  auto single = CheckpointReader::Open(dir.path());
  REQUIRE(single.ok());
  CHECK((*single)->Names() == std::vector<std::string>{"new"});
}

// Two hand-indexed shards: a.safetensors {x, y}, b.safetensors {z}.
struct TwoShards {
  ScratchDir dir{"io"};
  std::string index;
  TwoShards() {
    index = dir.File("model.safetensors.index.json");
    REQUIRE(WriteSafetensors(dir.File("a.safetensors"), {{"x", at::ones({2})}, {"y", at::zeros({3})}}).ok());
    REQUIRE(WriteSafetensors(dir.File("b.safetensors"), {{"z", at::full({1}, 3.0)}}).ok());
  }
  absl::Status OpenWithIndex(const std::string& json) {
    WriteWholeFile(index, json);
    return CheckpointReader::Open(dir.path()).status();
  }
};

TEST_CASE("A hand-written index over two shards is read", "[io][checkpoint]") {
  TwoShards s;
  REQUIRE(s.OpenWithIndex(R"({"metadata":{},"weight_map":{"x":"a.safetensors","y":"a.safetensors","z":"b.safetensors"}})")
              .ok());
  auto reader = CheckpointReader::Open(s.dir.path());
  REQUIRE(reader.ok());
  CHECK((*reader)->Get("z")->item<float>() == 3.0f);
  auto missing = (*reader)->Get("w");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(missing.status(), "'w'"));
  CHECK(Contains(missing.status(), s.dir.path()));
}

TEST_CASE("An index naming a tensor its shard lacks is refused", "[io][checkpoint]") {
  TwoShards s;
  const absl::Status st = s.OpenWithIndex(R"({"weight_map":{"x":"a.safetensors","z":"a.safetensors"}})");
  INFO(st.ToString());
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(Contains(st, "'z'"));
  CHECK(Contains(st, "a.safetensors"));
  CHECK(Contains(st, s.index));
}

TEST_CASE("A tensor present in two shards is refused", "[io][checkpoint]") {
  TwoShards s;
  REQUIRE(WriteSafetensors(s.dir.File("b.safetensors"), {{"z", at::ones({1})}, {"x", at::ones({2})}}).ok());
  const absl::Status st = s.OpenWithIndex(R"({"weight_map":{"x":"a.safetensors","z":"b.safetensors"}})");
  INFO(st.ToString());
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(st, "'x'"));
  CHECK(Contains(st, "a.safetensors"));
  CHECK(Contains(st, "b.safetensors"));
}

TEST_CASE("An index naming a missing shard is refused", "[io][checkpoint]") {
  TwoShards s;
  const absl::Status st = s.OpenWithIndex(R"({"weight_map":{"x":"a.safetensors","q":"c.safetensors"}})");
  INFO(st.ToString());
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(Contains(st, "c.safetensors"));
  CHECK(Contains(st, s.index));
}

TEST_CASE("An index naming a shard outside its directory is refused", "[io][checkpoint]") {
  TwoShards s;
  // The second resolves to a shard that exists: only its '..' refuses it.
  const std::string self = std::filesystem::path(s.dir.path()).filename().string();
  for (const std::string& json : {std::string(R"({"weight_map":{"x":"a.safetensors","q":"../c.safetensors"}})"),
                                  R"({"weight_map":{"x":"../)" + self + R"(/a.safetensors"}})"}) {
    INFO(json);
    const absl::Status st = s.OpenWithIndex(json);
    INFO(st.ToString());
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(st, "inside the index's directory"));
    CHECK(Contains(st, s.index));
  }
}

TEST_CASE("A malformed index is refused naming the index", "[io][checkpoint]") {
  TwoShards s;
  for (const char* json : {R"({"weight_map":["a.safetensors"]})", R"({"metadata":{}})", "{\"weight_map\":",
                           R"({"weight_map":{"x":7}})", R"({"weight_map":{"x":"/etc/a.safetensors"}})", "[]"}) {
    INFO(json);
    const absl::Status st = s.OpenWithIndex(json);
    INFO(st.ToString());
    CHECK_FALSE(st.ok());
    CHECK(Contains(st, s.index));
  }
}

TEST_CASE("A directory of shards without an index is refused, listing them", "[io][checkpoint]") {
  TwoShards s;  // no index written
  const absl::Status st = CheckpointReader::Open(s.dir.path()).status();
  INFO(st.ToString());
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(Contains(st, s.dir.path()));
  CHECK(Contains(st, "a.safetensors, b.safetensors"));
  CHECK(Contains(st, "model.safetensors.index.json"));

  ScratchDir empty("io");
  CHECK(Contains(CheckpointReader::Open(empty.path()).status(), "found: none"));
  const absl::Status absent = CheckpointReader::Open(empty.File("nothing")).status();
  CHECK(absent.code() == absl::StatusCode::kNotFound);
  CHECK(Contains(absent, empty.File("nothing")));
}

TEST_CASE("WriteCheckpoint refuses a bad limit and duplicate names", "[io][checkpoint]") {
  ScratchDir dir("io");
  CHECK(WriteCheckpoint(dir.path(), SevenTensors(), 0).code() == absl::StatusCode::kInvalidArgument);
  const absl::Status dup = WriteCheckpoint(dir.path(), {{"a", at::ones({1})}, {"a", at::ones({1})}});
  CHECK(dup.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(dup, "'a'"));
}

}  // namespace
}  // namespace xsd
