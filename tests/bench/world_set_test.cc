// The world config set (world_set.h): when "auto" takes it, the paths it
// fills in from --world_dir, the embedded configs resolved against them, and
// errors naming what is missing. The world folder is a temporary one of
// placeholder files: only names are checked, no model is loaded.
#include "support/scratch_dir.h"
#include "world_set.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "config_set.h"
#include "support/whole_file.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;
using xsd::testing::ScratchDir;
using xsd::testing::WriteWholeFile;

const char* const kAdapters[] = {"L1", "L2", "L3", "L4", "L5", "B1", "L5F"};

// Every file the world set checks, with placeholder contents.
void MakeWorld(const std::string& dir) {
  for (const char* model : {"video_llava", "eventgpt", "eagle"}) {
    fs::create_directories(fs::path(dir) / "models" / model);
    WriteWholeFile((fs::path(dir) / "models" / model / "config.json").string(), "{}");
    WriteWholeFile((fs::path(dir) / "models" / model / "model.safetensors").string(), "");
  }
  fs::create_directories(fs::path(dir) / "adapters");
  for (const char* a : kAdapters) {
    WriteWholeFile((fs::path(dir) / "adapters" / (std::string(a) + ".safetensors")).string(), "");
  }
  fs::create_directories(fs::path(dir) / "heldout");
  WriteWholeFile((fs::path(dir) / "heldout" / "EventGPT_Instruction_Subset.json").string(), "[]");
  WriteWholeFile((fs::path(dir) / "heldout" / "questions.json").string(), "[]");
}

// The embedded world configs with the overrides of `o` applied, by name.
std::map<std::string, BenchConfig> WorldConfigs(const BenchOptions& o) {
  auto all = LoadConfigSource(o);
  REQUIRE(all.ok());
  std::map<std::string, BenchConfig> by_name;
  for (BenchConfig& c : *all) {
    ApplyOverrides(o, c);
    by_name[c.name] = c;
  }
  return by_name;
}

std::vector<BenchConfig> Values(const std::map<std::string, BenchConfig>& m) {
  std::vector<BenchConfig> v;
  for (const auto& [name, c] : m) v.push_back(c);
  return v;
}

TEST_CASE("auto takes the world set when <world_dir>/models exists and nothing else is asked for", "[bench][world]") {
  ScratchDir dir("bench");
  BenchOptions o;
  o.world_dir = dir.path();
  CHECK(EffectiveConfigSet(o) == "mock");  // no models/ yet
  MakeWorld(dir.path());
  CHECK(EffectiveConfigSet(o) == "world");
  BenchOptions with_data = o;
  with_data.dataset_dir = dir.File("heldout");
  CHECK(EffectiveConfigSet(with_data) == "models");
  BenchOptions with_dir = o;
  with_dir.config_dir = XSD_SOURCE_DIR "/configs/mock";
  CHECK(EffectiveConfigSet(with_dir) == "mock");
  BenchOptions with_files = o;
  with_files.config_files = {XSD_SOURCE_DIR "/configs/mock/L4+VL.pbtxt"};
  CHECK(EffectiveConfigSet(with_files) == "mock");
  BenchOptions mock = o;
  mock.config_set = "mock";
  CHECK(EffectiveConfigSet(mock) == "mock");
  REQUIRE(ResolveConfigSet(mock).ok());
  CHECK(mock.checkpoint_dir.empty());  // other sets get no world paths
  CHECK(mock.n_questions == 10);
}

TEST_CASE("The world set fills the paths from --world_dir; flags the user passes win", "[bench][world]") {
  ScratchDir dir("bench");
  MakeWorld(dir.path());
  BenchOptions o;
  o.world_dir = dir.path();
  REQUIRE(ResolveConfigSet(o).ok());
  CHECK(o.config_set == "world");
  CHECK(o.checkpoint_dir == dir.path() + "/models");
  CHECK(o.adapter_dir == dir.path() + "/adapters");
  CHECK(o.dataset_dir == dir.path() + "/heldout");
  CHECK(o.questions_file == dir.path() + "/heldout/questions.json");
  CHECK(o.n_questions == 8);

  BenchOptions given;
  given.config_set = "world";
  given.world_dir = dir.path();
  given.checkpoint_dir = "/elsewhere/models";
  given.n_questions = 3;
  given.n_questions_given = true;
  REQUIRE(ResolveConfigSet(given).ok());
  CHECK(given.checkpoint_dir == "/elsewhere/models");
  CHECK(given.adapter_dir == dir.path() + "/adapters");
  CHECK(given.n_questions == 3);
}

TEST_CASE("The embedded world configs are configs/world/*.pbtxt, resolved against the world folder", "[bench][world]") {
  ScratchDir dir("bench");
  MakeWorld(dir.path());
  BenchOptions o;
  o.world_dir = dir.path();
  REQUIRE(ResolveConfigSet(o).ok());
  const auto configs = WorldConfigs(o);
  std::vector<std::string> on_disk;  // configs/world/*.pbtxt; training/ is not a bench set
  for (const auto& e : fs::directory_iterator(XSD_SOURCE_DIR "/configs/world")) {
    if (e.is_regular_file() && e.path().extension() == ".pbtxt") on_disk.push_back(e.path().stem().string());
  }
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> names;
  for (const auto& [name, c] : configs) {
    names.push_back(name);
    CHECK(c.source == "configs/world/" + name + ".pbtxt (embedded)");
  }
  CHECK(names == on_disk);
  REQUIRE(configs.count("vl_baseline") == 1);
  CHECK(configs.at("vl_baseline").config.target().video_llava().checkpoint().path() == dir.path() + "/models/video_llava");
  REQUIRE(configs.count("L4+L5F") == 1);
  const config::PipelineConfig& l4 = configs.at("L4+L5F").config;
  CHECK(l4.drafter().eventgpt().checkpoint().path() == dir.path() + "/models/eventgpt");
  CHECK(l4.drafter().adapter().checkpoint() == dir.path() + "/adapters/L4.safetensors");
  CHECK(l4.decode_drafter().hidden_head().adapter().checkpoint() == dir.path() + "/adapters/L5F.safetensors");
  CHECK(CheckWorldFiles(Values(configs)).ok());
}

TEST_CASE("An incomplete world folder is an error naming the missing file", "[bench][world]") {
  ScratchDir dir("bench");
  BenchOptions absent;
  absent.config_set = "world";
  absent.world_dir = dir.File("no_world");
  const absl::Status no_dir = ResolveConfigSet(absent);
  CHECK(no_dir.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(no_dir.message()).rfind("--world_dir=" + dir.File("no_world") + ": no such directory", 0) == 0);

  MakeWorld(dir.path());
  BenchOptions o;
  o.world_dir = dir.path();
  const auto missing = [&](const std::string& relative, BenchOptions options) {
    absl::Status s = ResolveConfigSet(options);
    if (s.ok()) s = CheckWorldFiles(Values(WorldConfigs(options)));
    INFO(relative << ": " << s.message());
    CHECK(s.code() == absl::StatusCode::kNotFound);
    CHECK(std::string(s.message()).find(dir.File(relative) + ": missing") != std::string::npos);
  };

  fs::rename(dir.File("heldout/questions.json"), dir.File("q.json"));
  missing("heldout/questions.json", o);
  fs::rename(dir.File("q.json"), dir.File("heldout/questions.json"));

  fs::remove(dir.File("models/eventgpt/config.json"));
  missing("models/eventgpt/config.json", o);
  WriteWholeFile(dir.File("models/eventgpt/config.json"), "{}");

  fs::remove(dir.File("models/video_llava/model.safetensors"));
  missing("models/video_llava/model.safetensors", o);
  WriteWholeFile(dir.File("models/video_llava/model.safetensors"), "");

  fs::remove(dir.File("adapters/L5F.safetensors"));
  missing("adapters/L5F.safetensors", o);
  // Random adapters read no adapter file, and need no adapters/ folder.
  fs::remove_all(dir.File("adapters"));
  BenchOptions random = o;
  random.random_adapters = true;
  BenchOptions resolved = random;
  REQUIRE(ResolveConfigSet(resolved).ok());
  CHECK(CheckWorldFiles(Values(WorldConfigs(resolved))).ok());

  fs::remove_all(dir.File("heldout"));
  missing("heldout/EventGPT_Instruction_Subset.json", random);
}

}  // namespace
}  // namespace xsd::bench
