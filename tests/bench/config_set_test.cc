#include <filesystem>

#include "config_set.h"
#include "embedded_files.h"
#include "xsd/config/pipeline.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

std::vector<std::string> Names(const std::vector<BenchConfig>& configs) {
  std::vector<std::string> names;
  for (const BenchConfig& c : configs) names.push_back(c.name);
  return names;
}

TEST_CASE("The embedded mock set resolves, baseline first", "[bench][configs]") {
  BenchOptions o;
  o.config_set = "mock";  // "auto" would take the world set where configs/world/models is in the working directory
  auto configs = ResolveConfigs(o);
  REQUIRE(configs.ok());
  CHECK(Names(*configs) == std::vector<std::string>{"vl_baseline", "L4+VL", "L5F_decode", "L4+L5F"});
  for (const BenchConfig& c : *configs) {
    CHECK(UsesOnlyMockModels(c.config));
    CHECK(c.config.max_new_tokens() == 50);
    CHECK(c.source.find("configs/mock/") == 0);
  }
}

TEST_CASE("--configs selects; the baseline joins; unknown names are listed", "[bench][configs]") {
  BenchOptions o;
  o.config_set = "mock";
  o.configs = {"L5F_decode"};
  auto one = ResolveConfigs(o);
  REQUIRE(one.ok());
  CHECK(Names(*one) == std::vector<std::string>{"vl_baseline", "L5F_decode"});
  o.configs = {"L9+VL"};
  auto bad = ResolveConfigs(o);
  REQUIRE_FALSE(bad.ok());
  const std::string m(bad.status().message());
  CHECK(m.rfind("--configs=L9+VL: unknown config 'L9+VL'", 0) == 0);
  CHECK(m.find("L4+VL") != std::string::npos);
}

TEST_CASE("Overrides: max_new_tokens always, gamma only where drafting, devices, checkpoint dirs", "[bench][configs]") {
  BenchOptions o;
  o.config_set = "models";
  o.max_new_tokens = 30;
  o.gamma = 3;
  o.seed = 17;
  o.target_device = "cuda:2";
  o.drafter_device = "cuda:3";
  o.adapter_dir = "/ckpt/adapters";
  o.checkpoint_dir = "/ckpt/models";
  auto all = LoadConfigSource(o);
  REQUIRE(all.ok());
  std::map<std::string, BenchConfig> by_name;
  for (BenchConfig& c : *all) {
    ApplyOverrides(o, c);
    by_name[c.name] = c;
  }
  const auto& bl = by_name.at("vl_baseline").config;
  CHECK(bl.max_new_tokens() == 30);
  CHECK(bl.seed() == 17);
  CHECK(bl.scheduler().gamma() != 3);  // autoregressive: untouched
  CHECK(bl.target().device() == "cuda:2");
  CHECK(bl.target().video_llava().checkpoint().path() == "/ckpt/models/Video-LLaVA-7B-hf");
  const auto& l4 = by_name.at("L4+L5F").config;
  CHECK(l4.scheduler().gamma() == 3);
  CHECK(l4.drafter().device() == "cuda:3");            // the cross-modal lane
  CHECK(l4.decode_drafter().device() == "cuda:2");     // the decode head follows the target
  CHECK(l4.drafter().adapter().checkpoint() == "/ckpt/adapters/L4.safetensors");
  CHECK(l4.drafter().eventgpt().checkpoint().path() == "/ckpt/models/EventGPT-7b");
  CHECK(l4.decode_drafter().hidden_head().adapter().checkpoint() == "/ckpt/adapters/L5F.safetensors");
  const auto& l5 = by_name.at("L5_decode").config;
  CHECK(l5.drafter().device() == "cuda:2");            // not a prefill-hiding lane: stays with the target
}

TEST_CASE("Every shipped config parses against today's proto", "[bench][configs]") {
  std::vector<std::string> names;
  for (const char* group : {"models", "mock"}) {
    for (const EmbeddedFile& f : EmbeddedGroup(group)) {
      INFO(f.name);
      auto parsed = ParsePipelineConfig(f.contents, f.name);
      CHECK(parsed.ok());
      if (std::string(group) == "models") names.push_back(f.name);
    }
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"B1_decode.pbtxt", "L1+L5F.pbtxt", "L1+VL.pbtxt", "L2+L5F.pbtxt",
                                          "L2+VL.pbtxt", "L3+L5F.pbtxt", "L3+VL.pbtxt", "L4+L5F.pbtxt", "L4+VL.pbtxt",
                                          "L5F_decode.pbtxt", "L5_decode.pbtxt", "vl_baseline.pbtxt"});
  // The embedded copies are the files in configs/.
  for (const EmbeddedFile& f : EmbeddedGroup("models")) {
    CHECK(std::filesystem::exists(std::string(XSD_SOURCE_DIR "/configs/") + f.name));
  }
}

TEST_CASE("A config naming a component not built is answered with the file and the name", "[bench][configs]") {
  BenchOptions o;
  o.config_set = "models";
  auto all = LoadConfigSource(o);
  REQUIRE(all.ok());
  const BenchConfig* l4 = nullptr;
  for (const BenchConfig& c : *all) l4 = c.name == "L4+VL" ? &c : l4;
  REQUIRE(l4 != nullptr);

  // A binary without the real models.
  Registry empty;
  const absl::Status none = PreflightConfig(*l4, empty);
  INFO(none.message());
  CHECK(none.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(none.message()).rfind("configs/L4+VL.pbtxt (embedded): target.name: unknown verifier 'video_llava'", 0) == 0);

  // One with the verifier but not the drafter names the drafter.
  Registry registry;
  REQUIRE(registry.RegisterVerifier("video_llava", [](const config::VerifierConfig&, BuildContext&)
                                                       -> absl::StatusOr<BuiltVerifier> { return BuiltVerifier(); }).ok());
  const absl::Status s = PreflightConfig(*l4, registry);
  INFO(s.message());
  CHECK(std::string(s.message()).rfind("configs/L4+VL.pbtxt (embedded): drafter.name: unknown drafter 'eventgpt'", 0) == 0);
}

TEST_CASE("The shipped real configs name registered components with valid fields", "[bench][configs]") {
  BenchOptions o;
  o.config_set = "models";
  o.target_device = "cpu";  // this machine may have no GPU; the names and fields are what is checked
  o.drafter_device = "cpu";
  auto all = LoadConfigSource(o);
  REQUIRE(all.ok());
  CHECK(all->size() == 12);
  for (BenchConfig& c : *all) {
    ApplyOverrides(o, c);
    const absl::Status s = PreflightConfig(c);
    INFO(s.message());
    CHECK(s.ok());
  }
}

TEST_CASE("--config files replace the set; the baseline beside them joins", "[bench][configs]") {
  BenchOptions o;
  o.config_files = {XSD_SOURCE_DIR "/configs/mock/L4+VL.pbtxt"};
  auto r = ResolveConfigs(o);
  REQUIRE(r.ok());
  CHECK(Names(*r) == std::vector<std::string>{"vl_baseline", "L4+VL"});
  CHECK((*r)[0].source == XSD_SOURCE_DIR "/configs/mock/vl_baseline.pbtxt");
}

}  // namespace
}  // namespace xsd::bench
