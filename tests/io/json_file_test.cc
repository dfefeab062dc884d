// ReadJsonFile and JsonObject: every getter, optional fields, nested objects,
// wrong types, missing and malformed files; messages name file and field.
#include "io/json_file.h"

#include "io_test_util.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Contains;
using testing::ScratchDir;
using testing::WriteWholeFile;

const char* kConfig = R"({
  "model_type": "llava",
  "hidden_size": 4096,
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000,
  "tie_word_embeddings": false,
  "big": 18446744073709551615,
  "negative": -3,
  "ratio": 2.5,
  "nothing": null,
  "mean": [0.48145466, 0.4578275, 1],
  "shape": [1, -2, 3],
  "names": ["a", "b"],
  "mixed": [1, "two"],
  "text_config": {"num_attention_heads": "32", "num_hidden_layers": 32,
                  "rope": {"type": "linear", "factor": 2}}
})";

// The config file parsed, and the object over it (which does not own it).
struct Fixture {
  ScratchDir dir{"io"};
  std::string path;
  nlohmann::json json;
  Fixture() {
    path = dir.File("config.json");
    WriteWholeFile(path, kConfig);
    auto read = ReadJsonFile(path);
    INFO(read.status().ToString());
    REQUIRE(read.ok());
    json = *std::move(read);
  }
  JsonObject root() const { return JsonObject(&json, path); }
};

void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& source, const std::string& detail) {
  INFO(s.ToString());
  CHECK(s.code() == code);
  CHECK(Contains(s, source));
  CHECK(Contains(s, detail));
}

TEST_CASE("Required getters read their types", "[io][json]") {
  Fixture f;
  const JsonObject root = f.root();
  CHECK(*root.String("model_type") == "llava");
  CHECK(*root.Int("hidden_size") == 4096);
  CHECK(*root.Int("negative") == -3);
  CHECK(*root.Double("rms_norm_eps") == 1e-05);
  CHECK(*root.Double("rope_theta") == 10000.0);  // an integer where a double is expected
  CHECK(*root.Double("ratio") == 2.5);
  CHECK(*root.Bool("tie_word_embeddings") == false);
  CHECK(*root.DoubleList("mean") == std::vector<double>{0.48145466, 0.4578275, 1.0});
  CHECK(*root.IntList("shape") == std::vector<int64_t>{1, -2, 3});
  CHECK(*root.StringList("names") == std::vector<std::string>{"a", "b"});
  CHECK(root.Has("nothing"));
  CHECK_FALSE(root.Has("absent"));
  CHECK(root.source() == f.path);
}

TEST_CASE("Optional getters fall back when absent or null, not when mistyped", "[io][json]") {
  Fixture f;
  const JsonObject root = f.root();
  CHECK(*root.Int("absent", 7) == 7);
  CHECK(*root.Int("nothing", 7) == 7);
  CHECK(*root.Int("hidden_size", 7) == 4096);
  CHECK(*root.Double("absent", 0.25) == 0.25);
  CHECK(*root.Double("rope_theta", 0.25) == 10000.0);
  CHECK(*root.Bool("nothing", true) == true);
  CHECK(*root.Bool("tie_word_embeddings", true) == false);
  CHECK(*root.String("absent", "x") == "x");
  CHECK(*root.String("model_type", "x") == "llava");
  ExpectError(root.Int("model_type", 1).status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'model_type': expected an integer, got string");
  ExpectError(root.Bool("hidden_size", false).status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'hidden_size': expected a boolean, got integer");
  ExpectError(root.String("ratio", "").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'ratio': expected a string, got float");
  ExpectError(root.Double("names", 0).status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'names': expected a number, got array");
}

TEST_CASE("Wrong types and missing fields name the file and the field", "[io][json]") {
  Fixture f;
  const JsonObject root = f.root();
  ExpectError(root.Int("absent").status(), absl::StatusCode::kNotFound, f.path, "field 'absent': missing");
  ExpectError(root.Int("ratio").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'ratio': expected an integer, got float");
  ExpectError(root.Int("big").status(), absl::StatusCode::kInvalidArgument, f.path, "field 'big'");
  ExpectError(root.Int("nothing").status(), absl::StatusCode::kInvalidArgument, f.path, "got null");
  ExpectError(root.Double("model_type").status(), absl::StatusCode::kInvalidArgument, f.path,
              "expected a number, got string");
  ExpectError(root.Bool("model_type").status(), absl::StatusCode::kInvalidArgument, f.path, "expected a boolean");
  ExpectError(root.String("hidden_size").status(), absl::StatusCode::kInvalidArgument, f.path,
              "expected a string, got integer");
  ExpectError(root.Object("hidden_size").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'hidden_size': expected an object, got integer");
  ExpectError(root.IntList("hidden_size").status(), absl::StatusCode::kInvalidArgument, f.path, "expected an array");
  ExpectError(root.IntList("mixed").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'mixed[1]': expected an integer, got string");
  ExpectError(root.IntList("mean").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'mean[0]': expected an integer, got float");
  ExpectError(root.StringList("absent").status(), absl::StatusCode::kNotFound, f.path, "'absent'");
}

TEST_CASE("Nested objects carry the dotted path into messages", "[io][json]") {
  Fixture f;
  auto text = f.root().Object("text_config");
  REQUIRE(text.ok());
  CHECK(text->prefix() == "text_config.");
  CHECK(*text->Int("num_hidden_layers") == 32);
  ExpectError(text->Int("num_attention_heads").status(), absl::StatusCode::kInvalidArgument, f.path,
              "field 'text_config.num_attention_heads': expected an integer, got string");
  auto rope = text->Object("rope");
  REQUIRE(rope.ok());
  CHECK(*rope->Double("factor") == 2.0);
  ExpectError(rope->Int("theta").status(), absl::StatusCode::kNotFound, f.path, "field 'text_config.rope.theta'");
  ExpectError(text->Object("vision").status(), absl::StatusCode::kNotFound, f.path, "field 'text_config.vision'");
}

TEST_CASE("A JsonObject over a non-object answers errors, not crashes", "[io][json]") {
  const nlohmann::json array = nlohmann::json::array({1, 2});
  ExpectError(JsonObject::Make(&array, "list.json").status(), absl::StatusCode::kInvalidArgument, "list.json",
              "expected a JSON object, got array");
  const JsonObject over_array(&array, "list.json");
  CHECK_FALSE(over_array.Has("a"));
  ExpectError(over_array.Int("a").status(), absl::StatusCode::kInvalidArgument, "list.json", "not an object");
  ExpectError(over_array.Int("a", 3).status(), absl::StatusCode::kInvalidArgument, "list.json", "not an object");
  const nlohmann::json object = {{"a", 1}};
  CHECK(JsonObject::Make(&object, "o.json").ok());
}

TEST_CASE("ReadJsonFile: missing and malformed files", "[io][json]") {
  ScratchDir dir("io");
  ExpectError(ReadJsonFile(dir.File("absent.json")).status(), absl::StatusCode::kNotFound, dir.File("absent.json"),
              "no such file");
  ExpectError(ReadJsonFile(dir.path()).status(), absl::StatusCode::kInvalidArgument, dir.path(), "directory");
  // The bad token 'x' is byte 10, counting from 1 as the parser does.
  WriteWholeFile(dir.File("bad.json"), R"({"a": 1, x})");
  ExpectError(ReadJsonFile(dir.File("bad.json")).status(), absl::StatusCode::kInvalidArgument, dir.File("bad.json"),
              "at byte 10");
  WriteWholeFile(dir.File("cut.json"), R"({"a": [1, 2)");
  ExpectError(ReadJsonFile(dir.File("cut.json")).status(), absl::StatusCode::kInvalidArgument, dir.File("cut.json"),
              "invalid JSON");
  WriteWholeFile(dir.File("empty.json"), "");
  ExpectError(ReadJsonFile(dir.File("empty.json")).status(), absl::StatusCode::kInvalidArgument,
              dir.File("empty.json"), "invalid JSON");
  WriteWholeFile(dir.File("ok.json"), "[1, 2]");
  auto ok = ReadJsonFile(dir.File("ok.json"));
  REQUIRE(ok.ok());
  CHECK(*ok == nlohmann::json::array({1, 2}));
}

}  // namespace
}  // namespace xsd
