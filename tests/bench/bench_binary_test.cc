// xsd_bench end to end, as a child process: exit codes and messages, a run
// killed with SIGKILL and resumed, and a run split into shards and merged,
// each compared with an uninterrupted run (outputs and counts; timings
// aside).
#include <signal.h>

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench_child.h"
#include "jsonl_store.h"
#include "merge.h"
#include "run_files.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using testing::CheckSameReport;
using testing::CheckSameResults;
using testing::Child;
using testing::CountRecords;
using testing::kSmallRunRecords;
using xsd::testing::ReadWholeFile;
using testing::Run;
using testing::SmallRun;
using testing::Spawn;
using xsd::testing::ScratchDir;
using testing::Wait;

TEST_CASE("Bad invocations exit 2 with one line naming the flag and the value", "[bench][binary]") {
  ScratchDir dir("bench");
  xsd::testing::WriteWholeFile(dir.File("future.pbtxt"), "name: \"future\"\ntarget { name: \"video_llava_v2\" }\n"
                                                "scheduler { name: \"autoregressive\" }\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--n_questions=-1"}, "--n_questions=-1"},
      {{"--max_samples=-3"}, "--max_samples=-3"},
      {{"--max_samples=lots"}, "--max_samples=lots"},
      {{"--warmup=x"}, "--warmup=x"},
      {{"--shard=2/2"}, "--shard=2/2"},
      {{"--shard=1-of-4"}, "--shard=1-of-4"},
      {{"--config_set=mock", "--configs=vl_baseline,nope"}, "unknown config 'nope'"},
      {{"--dataset_dir=/nonexistent/dsec"}, "--dataset_dir=/nonexistent/dsec"},
      {{"--no_such_flag=1"}, "--no_such_flag=1"},
      {{"--threads=0"}, "--threads=0"},
      {{"--config_set=world", "--world_dir=/nonexistent/world"}, "--world_dir=/nonexistent/world: no such directory"},
      {{"--config=" + dir.File("future.pbtxt")}, "future.pbtxt: target.name: unknown verifier 'video_llava_v2'"},
  };
  for (const auto& [args, expected] : cases) {
    std::string output;
    const int code = Run(args, &output);
    INFO(args.front() << " -> " << output);
    CHECK(code == 2);
    CHECK(output.find(expected) != std::string::npos);
    CHECK(std::count(output.begin(), output.end(), '\n') == 1);
  }
}

TEST_CASE("A pipeline that cannot be built fails the run with the config and the cause", "[bench][binary]") {
  ScratchDir out("bench"), checkpoints("bench");
  std::string output;
  // The DSEC index alone is enough: the pipeline fails before any media is read.
  const int code = Run({"--config_set=models", "--configs=vl_baseline", "--target_device=cpu",
                        "--dataset_dir=" XSD_TEST_DATA_DIR "/bench/dsec_mini", "--checkpoint_dir=" + checkpoints.path(),
                        "--output_dir=" + out.path()},
                       &output);
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("configs/vl_baseline.pbtxt (embedded)") != std::string::npos);
  CHECK(output.find("Video-LLaVA-7B-hf") != std::string::npos);
  CHECK(output.find("--resume") != std::string::npos);
}

TEST_CASE("A run killed with SIGKILL resumes without repeating or dropping samples", "[bench][binary][resume]") {
  ScratchDir whole("bench"), killed("bench");
  std::string output;
  REQUIRE(Run(SmallRun(whole.path()), &output) == 0);

  // Kill once a third of the samples is recorded (the mock costs make each take ~0.1 s).
  ScratchDir logs("bench");
  const Child child = Spawn(SmallRun(killed.path()), logs.File("first.log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string jsonl;
  while (std::chrono::steady_clock::now() < deadline) {
    if (jsonl.empty()) {
      if (auto run = FindLatestRun(killed.path(), ""); run.has_value()) jsonl = run->path;
    }
    if (!jsonl.empty() && CountRecords(jsonl) >= kSmallRunRecords / 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child.pid, SIGKILL);
  CHECK(Wait(child) == -SIGKILL);
  const int before = CountRecords(jsonl);
  INFO("records before the kill: " << before);
  REQUIRE(before >= kSmallRunRecords / 3);
  REQUIRE(before < kSmallRunRecords);
  // As if the kill had landed in the middle of a write.
  xsd::testing::WriteWholeFile(jsonl, "{\"kind\":\"record\",\"config\":\"L4+VL\",\"id\":\"buil", /*append=*/true);

  // A resume with other settings is refused (and leaves the file as it was).
  std::vector<std::string> other = SmallRun(killed.path());
  other.push_back("--resume");
  other.push_back("--max_new_tokens=20");
  CHECK(Run(other, &output) == 2);
  CHECK(output.find("max_new_tokens") != std::string::npos);

  std::vector<std::string> resume = SmallRun(killed.path());
  resume.push_back("--resume");
  REQUIRE(Run(resume, &output) == 0);
  INFO(output);
  CHECK(output.find("dropped a torn last line") != std::string::npos);
  CHECK(output.find(absl::StrCat("resuming: ", before, " of ", kSmallRunRecords)) != std::string::npos);

  auto a = ReadJsonl(FindLatestRun(whole.path(), "")->path);
  auto b = ReadJsonl(jsonl);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK_FALSE(b->torn_tail);
  CHECK(static_cast<int>(b->records.size()) == kSmallRunRecords);
  CheckSameResults(a->records, b->records);
  CheckSameReport(whole.path(), killed.path());
}

TEST_CASE("Two shards merged equal one whole run", "[bench][binary][shard]") {
  ScratchDir whole("bench"), s0("bench"), s1("bench"), merged("bench");
  std::string output;
  REQUIRE(Run(SmallRun(whole.path()), &output) == 0);
  std::vector<std::string> a = SmallRun(s0.path()), b = SmallRun(s1.path());
  a.push_back("--shard=0/2");
  b.push_back("--shard=1/2");
  REQUIRE(Run(a, &output) == 0);
  REQUIRE(Run(b, &output) == 0);
  REQUIRE(FindLatestRun(s0.path(), "shard-0-of-2").has_value());
  CHECK(CountRecords(FindLatestRun(s0.path(), "shard-0-of-2")->path) == kSmallRunRecords / 2);
  REQUIRE(Run({"merge", s0.path(), s1.path(), "--output_dir=" + merged.path(), "--charts=false"}, &output) == 0);
  INFO(output);
  std::string merged_jsonl;
  for (const auto& e : std::filesystem::directory_iterator(merged.path())) {
    if (absl::EndsWith(e.path().filename().string(), ".merged.jsonl")) merged_jsonl = e.path().string();
  }
  auto whole_records = ReadJsonl(FindLatestRun(whole.path(), "")->path);
  auto merged_records = ReadJsonl(merged_jsonl);
  REQUIRE(whole_records.ok());
  REQUIRE(merged_records.ok());
  CheckSameResults(whole_records->records, merged_records->records);
  CheckSameReport(whole.path(), merged.path());

  // One shard alone is reported as partial, not silently as the whole.
  ScratchDir partial("bench");
  REQUIRE(Run({"merge", s0.path(), "--output_dir=" + partial.path(), "--charts=false"}, &output) == 0);
  CHECK(output.find("only 1 of 2 shards") != std::string::npos);
}

}  // namespace
}  // namespace xsd::bench
