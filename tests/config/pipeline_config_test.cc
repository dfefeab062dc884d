// Pipelines built through the real config path (.pbtxt text -> registry ->
// components), and every kind of configuration error answered with a Status
// that names the field; nothing aborts.
#include "xsd/config/pipeline.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/reference.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

const char* kSpeculative = R"pb(
  name: "mock_sd"
  max_new_tokens: 24
  seed: 3
  target { name: "scripted" scripted { vocab_size: 40 seed: 12 logit_levels: 3 } }
  drafter { name: "scripted" scripted { vocab_size: 40 seed: 12 logit_levels: 3 noise: 0.3 } }
  scheduler { name: "speculative" gamma: 4 }
  acceptance { name: "greedy" }
)pb";

std::string Message(const absl::Status& s) { return std::string(s.message()); }

bool Contains(const absl::Status& s, const std::string& needle) {
  return Message(s).find(needle) != std::string::npos;
}

TEST_CASE("A pipeline from pbtxt generates the target's greedy output", "[config]") {
  auto pipeline = Pipeline::FromTextProto(kSpeculative, "mock_sd.pbtxt");
  REQUIRE(pipeline.ok());
  Request r;
  r.prompt_tokens = {1, 2, 3};
  auto result = (*pipeline)->Generate(r);
  REQUIRE(result.ok());
  ScriptedLmOptions t;
  t.vocab_size = 40;
  t.seed = 12;
  t.logit_levels = 3;
  auto lm = ScriptedLm::Create(t);
  REQUIRE(lm.ok());
  CHECK(result->tokens == testing::ReferenceGreedy(**lm, r.prompt_tokens, 24));
  CHECK(result->stats.drafted > 0);
  CHECK(result->stats.accepted > 0);
}

TEST_CASE("Every built-in pipeline shape builds from text", "[config]") {
  const char* kConfigs[] = {
      R"pb(target { name: "scripted" } scheduler { name: "autoregressive" })pb",
      R"pb(target { name: "scripted" } drafter { name: "noisy_oracle" noisy_oracle { agreement: 0.5 } }
           scheduler { name: "prefill_hiding" gamma: 2 })pb",
      R"pb(target { name: "scripted" } drafter { name: "noisy_oracle" }
           decode_drafter { name: "scripted" }
           scheduler { name: "prefill_hiding" gamma: 3 tree { top_k: 2 depth: 3 total_tokens: 8 } })pb",
      R"pb(target { name: "scripted" } drafter { name: "scripted" }
           scheduler { name: "speculative" } acceptance { name: "stochastic" temperature: 0.8 top_p: 0.9 })pb",
  };
  for (const char* text : kConfigs) {
    INFO(text);
    auto p = Pipeline::FromTextProto(text);
    REQUIRE(p.ok());
    Request r;
    r.question = "what is moving?";
    auto res = (*p)->Generate(r);
    REQUIRE(res.ok());
    CHECK(res->tokens.size() == 50);  // default max_new_tokens, no EOS
  }
}

TEST_CASE("Malformed pbtxt: the error has file, line and column", "[config][errors]") {
  auto p = Pipeline::FromTextProto("target { name: \"scripted\" }\n scheduler { gama: 3 }", "bad.pbtxt");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(p.status(), "bad.pbtxt:2:"));
  CHECK(Contains(p.status(), "gama"));
  auto unbalanced = ParsePipelineConfig("target { name: \"scripted\" ", "open.pbtxt");
  REQUIRE_FALSE(unbalanced.ok());
  CHECK(Contains(unbalanced.status(), "open.pbtxt:"));
}

TEST_CASE("Unknown component: the error lists the known names", "[config][errors]") {
  auto p = Pipeline::FromTextProto(R"pb(target { name: "scripted" } drafter { name: "eagle3000" }
                                        scheduler { name: "speculative" })pb");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(p.status(), "drafter.name: unknown drafter 'eagle3000'"));
  CHECK(Contains(p.status(), "noisy_oracle"));
  CHECK(Contains(p.status(), "scripted"));

  auto s = Pipeline::FromTextProto(R"pb(target { name: "scripted" } scheduler { name: "magic" })pb");
  REQUIRE_FALSE(s.ok());
  CHECK(Contains(s.status(), "scheduler.name: unknown scheduler 'magic'"));
  CHECK(Contains(s.status(), "autoregressive, prefill_hiding, speculative"));

  auto a = Pipeline::FromTextProto(R"pb(target { name: "scripted" } scheduler { name: "autoregressive" }
                                        acceptance { name: "typical" })pb");
  REQUIRE_FALSE(a.ok());
  CHECK(Contains(a.status(), "acceptance.name: unknown acceptance policy 'typical'"));
}

TEST_CASE("Missing fields are named", "[config][errors]") {
  auto no_target = Pipeline::FromTextProto(R"pb(scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(no_target.ok());
  CHECK(Contains(no_target.status(), "target: required"));

  auto no_scheduler = Pipeline::FromTextProto(R"pb(target { name: "scripted" })pb");
  REQUIRE_FALSE(no_scheduler.ok());
  CHECK(Contains(no_scheduler.status(), "scheduler.name: required"));

  auto no_drafter = Pipeline::FromTextProto(R"pb(target { name: "scripted" } scheduler { name: "speculative" })pb");
  REQUIRE_FALSE(no_drafter.ok());
  CHECK(Contains(no_drafter.status(), "drafter: required by scheduler 'speculative'"));

  auto no_name = Pipeline::FromTextProto(R"pb(target { } scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(no_name.ok());
  CHECK(Contains(no_name.status(), "target.name: required"));
}

TEST_CASE("Out-of-range values are named with what was given", "[config][errors]") {
  auto gamma = Pipeline::FromTextProto(R"pb(target { name: "scripted" } drafter { name: "scripted" }
                                            scheduler { name: "speculative" gamma: -2 })pb", "g.pbtxt");
  REQUIRE_FALSE(gamma.ok());
  CHECK(Message(gamma.status()) == "g.pbtxt: scheduler.gamma: must be >= 0, got -2");

  auto device = Pipeline::FromTextProto(R"pb(target { name: "scripted" device: "cuda:7" }
                                             scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(device.ok());
  CHECK(Contains(device.status(), "target.device: device cuda:7 out of range"));

  auto bad_device = Pipeline::FromTextProto(R"pb(target { name: "scripted" device: "tpu" }
                                                 scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(bad_device.ok());
  CHECK(Contains(bad_device.status(), "target.device: unknown device \"tpu\""));

  auto tokens = Pipeline::FromTextProto(R"pb(max_new_tokens: 0 target { name: "scripted" }
                                             scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(tokens.ok());
  CHECK(Contains(tokens.status(), "max_new_tokens: must be >= 1, got 0"));

  auto temp = Pipeline::FromTextProto(R"pb(target { name: "scripted" } scheduler { name: "autoregressive" }
                                           acceptance { name: "stochastic" temperature: 0 })pb");
  REQUIRE_FALSE(temp.ok());
  CHECK(Contains(temp.status(), "acceptance.temperature"));

  auto top_p = Pipeline::FromTextProto(R"pb(target { name: "scripted" } scheduler { name: "autoregressive" }
                                            acceptance { name: "stochastic" top_p: 1.5 })pb");
  REQUIRE_FALSE(top_p.ok());
  CHECK(Contains(top_p.status(), "acceptance.top_p: must be in (0, 1], got 1.5"));

  auto tree = Pipeline::FromTextProto(R"pb(target { name: "scripted" } drafter { name: "scripted" }
                                           scheduler { name: "speculative" tree { top_k: 0 } })pb");
  REQUIRE_FALSE(tree.ok());
  CHECK(Contains(tree.status(), "scheduler.tree.top_k: must be >= 1, got 0"));

  auto vocab = Pipeline::FromTextProto(R"pb(target { name: "scripted" scripted { vocab_size: 1 } }
                                            scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(vocab.ok());
  CHECK(Contains(vocab.status(), "scripted.vocab_size: must be >= 2, got 1"));
}

TEST_CASE("Options of the wrong component are rejected", "[config][errors]") {
  auto p = Pipeline::FromTextProto(R"pb(target { name: "scripted" video_llava { num_frames: 8 } }
                                        scheduler { name: "autoregressive" })pb");
  REQUIRE_FALSE(p.ok());
  CHECK(Contains(p.status(), "target: 'scripted' takes scripted options"));

  auto chains_only = Pipeline::FromTextProto(R"pb(target { name: "scripted" } drafter { name: "noisy_oracle" }
                                                  scheduler { name: "speculative" tree { } })pb");
  REQUIRE_FALSE(chains_only.ok());
  CHECK(Contains(chains_only.status(), "drafts chains only"));
}

TEST_CASE("A config file that does not exist is named", "[config][errors]") {
  auto p = Pipeline::FromFile("/nonexistent/L4+VL.pbtxt");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(p.status(), "/nonexistent/L4+VL.pbtxt"));
}

TEST_CASE("Programs register their own components; duplicates are refused", "[config]") {
  Registry registry;
  RegisterBuiltinComponents(registry);
  CHECK(registry.RegisterScheduler("autoregressive", nullptr).code() == absl::StatusCode::kAlreadyExists);
  REQUIRE(registry.RegisterAcceptance("always_greedy", [](const config::AcceptanceConfig&)
                                          -> absl::StatusOr<std::unique_ptr<AcceptancePolicy>> {
    return MakeGreedyAcceptance();
  }).ok());
  auto config = ParsePipelineConfig(R"pb(target { name: "scripted" } scheduler { name: "autoregressive" }
                                         acceptance { name: "always_greedy" })pb", "custom");
  REQUIRE(config.ok());
  auto p = Pipeline::Create(*config, registry);
  REQUIRE(p.ok());
  CHECK(Pipeline::Create(*config).status().code() == absl::StatusCode::kNotFound);  // not in the global one
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

TEST_CASE("Scheduler fields map onto SchedulerOptions", "[config]") {
  auto config = ParsePipelineConfig(R"pb(target { name: "scripted" }
                                         max_new_tokens: 17
                                         scheduler { name: "speculative" gamma: 6 adaptive_gamma: true
                                                     record_margins: true skip_slow_lane: false })pb",
                                    "fields.pbtxt");
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  const SchedulerOptions o = SchedulerOptionsFromConfig(*config);
  CHECK(o.gamma == 6);
  CHECK(o.adaptive_gamma);
  CHECK(o.record_margins);
  CHECK_FALSE(o.skip_slow_lane);
  CHECK(o.max_new_tokens == 17);
  auto defaults = ParsePipelineConfig(R"pb(target { name: "scripted" } scheduler { name: "speculative" })pb",
                                      "defaults.pbtxt");
  REQUIRE(defaults.ok());
  CHECK_FALSE(SchedulerOptionsFromConfig(*defaults).adaptive_gamma);
  CHECK(SchedulerOptionsFromConfig(*defaults).skip_slow_lane);
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

// Parsing checks syntax and every field name (validation also needs the
// configs' CUDA devices, absent on CI).
TEST_CASE("Every shipped .pbtxt under configs/ parses", "[config]") {
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(XSD_SOURCE_DIR "/configs")) {
    if (entry.path().extension() != ".pbtxt") continue;
    INFO(entry.path().string());
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto config = ParsePipelineConfig(text.str(), entry.path().string());
    INFO(config.status().ToString());
    REQUIRE(config.ok());
    CHECK(!config->name().empty());
    CHECK(config->target().has_name());
    ++checked;
  }
  CHECK(checked >= 20);
}

}  // namespace
}  // namespace xsd
