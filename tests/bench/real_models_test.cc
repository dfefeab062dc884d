// The shipped real configs (configs/*.pbtxt) through xsd_bench end to end on
// this machine: tiny random-weight Video-LLaVA and EventGPT checkpoints
// (written by the library's writer under the names the configs expect),
// random adapters, CPU devices, and the synthetic scenes the bench writes
// when no --dataset_dir is given. Checks the path, not speed or acceptance
// (random weights draft nothing useful).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "jsonl_store.h"
#include "run_files.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "xsd/vision/random_checkpoint.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using xsd::testing::ReadWholeFile;
using xsd::testing::ScratchDir;

TEST_CASE("Real configs run through the bench with tiny random models on synthetic scenes", "[bench][binary][real]") {
  ScratchDir checkpoints("bench"), out("bench");
  for (const auto& [preset, name] : {std::pair<std::string, std::string>{"video_llava_tiny", "Video-LLaVA-7B-hf"},
                                     {"eventgpt_tiny", "EventGPT-7b"}}) {
    RandomCheckpointOptions options;
    options.preset = preset;
    options.out_dir = checkpoints.File(name);
    options.tokenizer_dir = XSD_TEST_DATA_DIR "/tokenizer/llama";
    const absl::Status written = WriteRandomCheckpoint(options);
    INFO(written.ToString());
    REQUIRE(written.ok());
  }
  const std::string log = out.File("log");
  const std::string command = absl::StrCat(
      XSD_BENCH_BINARY, " --config_set=models --configs=vl_baseline,L4+VL,L5_decode --checkpoint_dir=",
      checkpoints.path(), " --random_adapters --target_device=cpu --drafter_device=cpu --dtype=float32",
      " --builtin_scenes=2 --n_questions=2 --max_new_tokens=6 --warmup=1 --charts=false --quiet --output_dir=",
      out.path(), " > ", log, " 2>&1");
  const int status = std::system(command.c_str());
  const std::string output = ReadWholeFile(log);
  INFO(output);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(std::filesystem::exists(out.File("synthetic_dataset/EventGPT_Instruction_Subset.json")));

  auto run = FindLatestRun(out.path(), "");
  REQUIRE(run.has_value());
  auto contents = ReadJsonl(run->path);
  REQUIRE(contents.ok());
  REQUIRE(contents->records.size() == 3 * 2 * 2);
  for (const SampleRecord& r : contents->records) {
    INFO(r.config << " " << r.id);
    CHECK(r.id.rfind("synthetic_00", 0) == 0);
    CHECK(r.result.stats.new_tokens >= 1);
    CHECK(r.result.stats.new_tokens <= 6);
    CHECK(r.result.target_prefill.vision_ms > 0);  // real media went through the vision tower
    if (r.config == "L4+VL") {
      CHECK(r.result.times.drafter_prefill_ms > 0);
      CHECK(r.result.stats.free_tokens >= 0);
    }
    if (r.config == "L5_decode" && r.result.stats.new_tokens > 1) CHECK(r.result.stats.drafted > 0);
  }
  std::string report;
  for (const auto& e : std::filesystem::directory_iterator(out.path())) {
    if (e.path().extension() == ".json" && e.path().filename().string().rfind("e2e_wallclock_", 0) == 0) report = e.path();
  }
  REQUIRE_FALSE(report.empty());
  const nlohmann::json j = nlohmann::json::parse(ReadWholeFile(report));
  CHECK(j["stage_timing"]["vl_baseline"]["vision_ms"].get<double>() > 0);
  CHECK(j["sd_per_sample"]["L4+VL"].size() == 4);
  CHECK(j["config"]["settings"]["random_adapters"] == true);
}

}  // namespace
}  // namespace xsd::bench
