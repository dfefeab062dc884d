// The small trained driving world (docs/training.md): the committed models
// and adapters (configs/world) run through the bench's own config set and
// dataset reader on held-out scenes. Greedy speculative output equals the
// target's own greedy output with every trained drafter, and a trained
// adapter's drafts are accepted far more often than a randomly initialised
// one's (the committed margins below; the bench measures the figures).
#include <map>
#include <string>
#include <vector>

#include "bench_options.h"
#include "config_set.h"
#include "dataset.h"
#include "world_set.h"
#include "xsd/config/pipeline.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

// The world set's configs, paths resolved, max_new_tokens 40.
std::map<std::string, config::PipelineConfig> WorldConfigs(bool random_adapters) {
  BenchOptions o;
  o.config_set = "world";
  o.world_dir = std::string(XSD_SOURCE_DIR) + "/configs/world";
  o.max_new_tokens = 40;
  o.random_adapters = random_adapters;
  o.warmup = 0;
  const absl::Status resolved = ResolveConfigSet(o);
  INFO(resolved.ToString());
  REQUIRE(resolved.ok());
  auto configs = ResolveConfigs(o);
  INFO(configs.status().ToString());
  REQUIRE(configs.ok());
  std::map<std::string, config::PipelineConfig> out;
  for (const BenchConfig& c : *configs) out[c.name] = c.config;
  return out;
}

// Held-out scenes [0, scenes), questions [0, questions) each.
std::vector<Request> HeldOut(int scenes, int questions) {
  const std::string world = std::string(XSD_SOURCE_DIR) + "/configs/world/heldout";
  auto texts = LoadQuestions(world + "/questions.json");
  REQUIRE(texts.ok());
  DatasetOptions d;
  d.dataset_dir = world;
  d.max_samples = scenes;
  d.n_questions = questions;
  auto samples = LoadBenchSamples(d, *texts);
  INFO(samples.status().ToString());
  REQUIRE(samples.ok());
  std::vector<Request> out;
  for (const BenchSample& s : *samples) out.push_back(s.request);
  return out;
}

struct Run {
  std::vector<std::vector<TokenId>> outputs;
  int64_t drafted = 0, accepted = 0;
  double acceptance() const { return drafted > 0 ? static_cast<double>(accepted) / drafted : 0; }
};

Run Generate(const config::PipelineConfig& config, const std::vector<Request>& requests) {
  auto pipeline = Pipeline::Create(config);
  INFO(config.name() << ": " << pipeline.status().ToString());
  REQUIRE(pipeline.ok());
  Run run;
  for (const Request& r : requests) {
    auto result = (*pipeline)->Generate(r);
    INFO(config.name() << " " << r.id << ": " << result.status().ToString());
    REQUIRE(result.ok());
    run.outputs.push_back(result->tokens);
    run.drafted += result->stats.drafted;
    run.accepted += result->stats.accepted;
  }
  return run;
}

TEST_CASE("World: greedy SD with every trained drafter emits the target's own greedy output",
          "[world][lossless]") {
  const auto configs = WorldConfigs(/*random_adapters=*/false);
  const std::vector<Request> requests = HeldOut(4, 3);
  const Run baseline = Generate(configs.at("vl_baseline"), requests);
  for (const auto& [name, config] : configs) {
    if (name == "vl_baseline") continue;
    INFO(name);
    const Run run = Generate(config, requests);
    CHECK(run.outputs == baseline.outputs);
    CHECK(run.drafted > 0);
  }
}

TEST_CASE("World: trained adapters' drafts are accepted far more often than random ones'", "[world][acceptance]") {
  const auto trained = WorldConfigs(false);
  const auto random = WorldConfigs(true);
  const std::vector<Request> requests = HeldOut(6, 4);
  // Committed margins (fractions of drafts accepted): measured figures are in
  // docs/training.md (held-out, 12 scenes x 8 questions: L4+VL 26.6 %,
  // B1 78.2 %, L5F 84.9 %, L4+L5F 58.0 %; random 0 %). CPU float32 is
  // deterministic; the margins leave room for retraining only. L5_decode is
  // not here: L5 is trained on the drafter's states and L5_decode feeds it
  // the target's (the research's definition), so it accepts little either way.
  for (const auto& [name, margin] : std::map<std::string, double>{
           {"L4+VL", 0.15}, {"B1_decode", 0.5}, {"L5F_decode", 0.5}, {"L4+L5F", 0.3}}) {
    INFO(name);
    const Run t = Generate(trained.at(name), requests);
    const Run r = Generate(random.at(name), requests);
    INFO("trained " << t.acceptance() << " (" << t.accepted << "/" << t.drafted << "), random " << r.acceptance()
                    << " (" << r.accepted << "/" << r.drafted << ")");
    CHECK(t.acceptance() >= r.acceptance() + margin);
  }
}

}  // namespace
}  // namespace xsd::bench
