// Faults around the bench's files: a results file that fills the disk, and
// SIGKILL between records, mid-record, while the report is written, during a
// merge and in a shard. Each ends, after --resume (or a second merge), in
// the records and report of an uninterrupted run (outputs, counts and
// report structure; timings aside: bench_child.h).
//
// Real faults where they can be placed: the store's byte budget (a write past
// it fails with ENOSPC after storing what fits), RLIMIT_FSIZE on the child
// (EFBIG), SIGKILL at a record count or a delay. Where a timed kill cannot
// hit a point reliably (a torn record or header, a kill between a report's
// write and its rename) the test writes the files as such a kill leaves them.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "atomic_file.h"
#include "bench_child.h"
#include "config_set.h"
#include "dataset.h"
#include "jsonl_store.h"
#include "progress.h"
#include "report.h"
#include "run_files.h"
#include "run_header.h"
#include "runner.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "test_records.h"
#include "world_set.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;
using testing::CheckSameReport;
using testing::CheckSameReportJson;
using testing::CheckSameResults;
using testing::Child;
using testing::FindReportJson;
using testing::kSmallRunRecords;
using testing::MakeRecord;
using xsd::testing::ReadWholeFile;
using testing::RecordSpec;
using testing::Run;
using testing::SmallRun;
using testing::Spawn;
using xsd::testing::ScratchDir;
using testing::Wait;
using xsd::testing::WriteWholeFile;

// One uninterrupted SmallRun, shared by the cases of this binary.
const ScratchDir& WholeRun() {
  static ScratchDir dir("bench");
  static const bool done = [] {
    std::string output;
    const int code = Run(SmallRun(dir.path()), &output);
    INFO(output);
    REQUIRE(code == 0);
    return true;
  }();
  (void)done;
  return dir;
}

std::string WholeJsonl() { return FindLatestRun(WholeRun().path(), "")->path; }

std::vector<SampleRecord> RecordsOf(const std::string& jsonl) {
  auto contents = ReadJsonl(jsonl);
  REQUIRE(contents.ok());
  return contents->records;
}

std::vector<std::string> With(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Offsets just past each '\n' of `text`.
std::vector<size_t> LineEnds(const std::string& text) {
  std::vector<size_t> ends;
  for (size_t p = text.find('\n'); p != std::string::npos; p = text.find('\n', p + 1)) ends.push_back(p + 1);
  return ends;
}

std::vector<std::string> FilesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (absl::EndsWith(e.path().filename().string(), suffix)) found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The run in `dir` (its JSON lines `jsonl`) holds every sample once, no torn
// line, the uninterrupted run's outputs, and a report like its report.
void CheckLikeWholeRun(const std::string& dir, const std::string& jsonl) {
  auto contents = ReadJsonl(jsonl);
  REQUIRE(contents.ok());
  CHECK_FALSE(contents->torn_tail);
  CHECK(contents->header.has_value());
  CHECK(static_cast<int>(contents->records.size()) == kSmallRunRecords);
  CheckSameResults(RecordsOf(WholeJsonl()), contents->records);
  CheckSameReport(WholeRun().path(), dir);
  CHECK(FilesEndingWith(dir, ".partial").empty());
}

// A copy of the first `bytes` of the uninterrupted run's JSON lines, under
// the same name in `dir`: what a kill at that byte leaves.
std::string CopyWholePrefix(const std::string& dir, size_t bytes) {
  const std::string whole = ReadWholeFile(WholeJsonl());
  const std::string path = (fs::path(dir) / fs::path(WholeJsonl()).filename()).string();
  WriteWholeFile(path, whole.substr(0, bytes));
  return path;
}

// ------------------------------------------------------------ a full disk

TEST_CASE("A store that runs out of disk keeps every earlier line and cuts its partial one", "[bench][faults]") {
  ScratchDir dir("bench");
  const nlohmann::json header = {{"settings", {{"n_questions", 3}}}};
  RecordSpec spec;
  std::vector<SampleRecord> records;
  for (int i = 0; i < 4; ++i) {
    spec.id = absl::StrCat("s0/", i);
    spec.position = i;
    records.push_back(MakeRecord(spec));
  }
  records[2].question = std::string(4000, 'q');  // far longer than the others

  // The file a store writes without a fault: header, records 0, 1, 3.
  const std::string expected_path = dir.File("expected.jsonl");
  {
    auto store = JsonlStore::Open(expected_path, /*resume=*/false);
    REQUIRE(store.ok());
    REQUIRE((*store)->WriteHeader(header).ok());
    for (int i : {0, 1, 3}) REQUIRE((*store)->Append(records[i]).ok());
  }
  const std::string expected = ReadWholeFile(expected_path);
  const std::vector<size_t> ends = LineEnds(expected);
  REQUIRE(ends.size() == 4);

  // A disk with room for exactly those bytes: record 2 does not fit (it
  // writes what does, then fails); record 3 after it does.
  const std::string path = dir.File("run.jsonl");
  JsonlStoreOptions options;
  options.byte_budget = static_cast<int64_t>(expected.size());
  auto store = JsonlStore::Open(path, options);
  REQUIRE(store.ok());
  REQUIRE((*store)->WriteHeader(header).ok());
  REQUIRE((*store)->Append(records[0]).ok());
  REQUIRE((*store)->Append(records[1]).ok());
  const absl::Status full = (*store)->Append(records[2]);
  INFO(full);
  CHECK(full.code() == absl::StatusCode::kInternal);
  CHECK(absl::StrContains(full.message(), path));
  CHECK(absl::StrContains(full.message(), "No space left on device"));
  // The partial line is gone: the file is the header and the two records.
  CHECK(ReadWholeFile(path) == expected.substr(0, ends[2]));
  CHECK((*store)->records().size() == 2);
  CHECK_FALSE((*store)->Has(records[2].Key()));
  // Failing again changes nothing; a record that fits goes after the last
  // complete line (not after the failed one's bytes).
  CHECK_FALSE((*store)->Append(records[2]).ok());
  CHECK(ReadWholeFile(path) == expected.substr(0, ends[2]));
  REQUIRE((*store)->Append(records[3]).ok());
  CHECK(ReadWholeFile(path) == expected);
  store->reset();

  // With room again (a resume), the record that did not fit is appended.
  auto resumed = JsonlStore::Open(path, /*resume=*/true);
  REQUIRE(resumed.ok());
  CHECK((*resumed)->records().size() == 3);
  REQUIRE((*resumed)->Append(records[2]).ok());
  auto contents = ReadJsonl(path);
  REQUIRE(contents.ok());
  CHECK_FALSE(contents->torn_tail);
  REQUIRE(contents->records.size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(RecordToJson(contents->records[i]) == RecordToJson(records[i == 2 ? 3 : i]));
  CHECK(RecordToJson(contents->records[3]) == RecordToJson(records[2]));
}

TEST_CASE("A store whose disk fills during the header leaves an empty file that a resume completes", "[bench][faults]") {
  ScratchDir dir("bench");
  const std::string path = dir.File("run.jsonl");
  JsonlStoreOptions options;
  options.byte_budget = 10;
  const nlohmann::json header = {{"settings", {{"n_questions", 3}}}};
  {
    auto store = JsonlStore::Open(path, options);
    REQUIRE(store.ok());
    const absl::Status full = (*store)->WriteHeader(header);
    CHECK(absl::StrContains(full.message(), path));
    CHECK_FALSE((*store)->header().has_value());
    CHECK(ReadWholeFile(path).empty());
  }
  auto resumed = JsonlStore::Open(path, /*resume=*/true);
  REQUIRE(resumed.ok());
  CHECK_FALSE((*resumed)->header().has_value());
  REQUIRE((*resumed)->WriteHeader(header).ok());
  REQUIRE((*resumed)->Append(MakeRecord(RecordSpec())).ok());
  auto contents = ReadJsonl(path);
  REQUIRE(contents.ok());
  CHECK(contents->header.has_value());
  CHECK(contents->records.size() == 1);
}

TEST_CASE("A run whose results file fills the disk stops naming the file; --resume completes it", "[bench][faults]") {
  // SmallRun in this process, through a store with a byte budget that ends
  // inside the 8th line (the 7th record) of the uninterrupted run's file.
  const std::string whole = ReadWholeFile(WholeJsonl());
  const std::vector<size_t> ends = LineEnds(whole);
  REQUIRE(ends.size() == kSmallRunRecords + 1);
  const int64_t budget = static_cast<int64_t>((ends[6] + ends[7]) / 2);

  ScratchDir out("bench");
  BenchOptions options;
  options.config_set = "mock";
  options.builtin_scenes = 2;
  options.n_questions = 3;
  options.n_questions_given = true;
  options.warmup = 1;
  options.configs = {"vl_baseline", "L5F_decode", "L4+VL"};
  options.output_dir = out.path();
  options.charts = false;
  REQUIRE(ResolveConfigSet(options).ok());
  auto configs = ResolveConfigs(options);
  REQUIRE(configs.ok());
  auto questions = LoadQuestions("");
  REQUIRE(questions.ok());
  DatasetOptions data;
  data.n_questions = options.n_questions;
  data.builtin_scenes = options.builtin_scenes;
  auto samples = LoadBenchSamples(data, *questions);
  REQUIRE(samples.ok());

  const std::string jsonl = (fs::path(out.path()) / JsonlFileName(NowTimestamp(), "")).string();
  JsonlStoreOptions store_options;
  store_options.byte_budget = budget;
  auto store = JsonlStore::Open(jsonl, store_options);
  REQUIRE(store.ok());
  REQUIRE((*store)->WriteHeader(MakeRunHeader(options, *configs, options.shard)).ok());
  Progress progress(MakeProgressOptions(false));
  BenchRunner runner(RunnerOptions{options.warmup, options.baseline, options.shard}, store->get(), &progress);
  const absl::Status run = runner.Run(*configs, *samples);
  INFO(run);
  CHECK(absl::StrContains(run.message(), jsonl));
  CHECK(absl::StrContains(run.message(), "No space left on device"));

  // Every record the store accepted is in the file, field for field; the
  // failed one left nothing.
  const std::vector<SampleRecord> kept = (*store)->records();
  store->reset();
  auto contents = ReadJsonl(jsonl);
  REQUIRE(contents.ok());
  CHECK_FALSE(contents->torn_tail);
  CHECK(fs::file_size(jsonl) <= static_cast<uintmax_t>(budget));
  REQUIRE(contents->records.size() == kept.size());
  CHECK(kept.size() >= 5);
  CHECK(kept.size() < static_cast<size_t>(kSmallRunRecords));
  for (size_t i = 0; i < kept.size(); ++i) CHECK(RecordToJson(contents->records[i]) == RecordToJson(kept[i]));

  std::string output;
  REQUIRE(Run(With(SmallRun(out.path()), {"--resume"}), &output) == 0);
  INFO(output);
  CHECK(absl::StrContains(output, absl::StrCat("resuming: ", kept.size(), " of ", kSmallRunRecords)));
  const std::vector<SampleRecord> resumed = RecordsOf(jsonl);
  REQUIRE(resumed.size() >= kept.size());
  for (size_t i = 0; i < kept.size(); ++i) CHECK(RecordToJson(resumed[i]) == RecordToJson(kept[i]));
  CheckLikeWholeRun(out.path(), jsonl);
}

TEST_CASE("xsd_bench on a full disk (RLIMIT_FSIZE) exits 1 naming the file and keeps the last report whole",
          "[bench][faults]") {
  const std::string whole = ReadWholeFile(WholeJsonl());
  const std::vector<size_t> ends = LineEnds(whole);
  ScratchDir out("bench");
  std::string output;
  // The results file: the limit ends inside the 5th record.
  const int64_t limit = static_cast<int64_t>((ends[4] + ends[5]) / 2);
  CHECK(Run(SmallRun(out.path()), &output, limit) == 1);
  {
    INFO(output);
    const auto run = FindLatestRun(out.path(), "");
    REQUIRE(run.has_value());
    CHECK(absl::StrContains(output, run->path + ": write: File too large"));
    CHECK(absl::StrContains(output, "rerun with --resume"));
    const std::vector<SampleRecord> kept = RecordsOf(run->path);
    CHECK(kept.size() >= 3);
    REQUIRE(Run(With(SmallRun(out.path()), {"--resume"}), &output) == 0);
    CHECK(absl::StrContains(output, absl::StrCat("resuming: ", kept.size(), " of ", kSmallRunRecords)));
    CheckLikeWholeRun(out.path(), run->path);
  }
  // The report: a resume of the finished run rewrites it and fails midway;
  // the report already there stays whole (a write to .partial, then rename).
  const std::string report = FindReportJson(out.path());
  const std::string before = ReadWholeFile(report);
  REQUIRE(before.size() > 4096);
  CHECK(Run(With(SmallRun(out.path()), {"--resume"}), &output, 4096) == 1);
  INFO(output);
  CHECK(absl::StrContains(output, PartialPath(report) + ": write: File too large"));
  CHECK(ReadWholeFile(report) == before);
  CHECK(FilesEndingWith(out.path(), ".partial").empty());
}

// ------------------------------------------------------------ SIGKILL

// Kills SmallRun once its file holds `records` complete records.
std::string KillAtRecord(const std::string& out, int records, const std::vector<std::string>& extra = {},
                         const std::string& shard_suffix = "") {
  ScratchDir logs("bench");
  const Child child = Spawn(With(SmallRun(out), extra), logs.File("log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string jsonl;
  while (std::chrono::steady_clock::now() < deadline) {
    if (jsonl.empty()) {
      if (auto run = FindLatestRun(out, shard_suffix); run.has_value()) jsonl = run->path;
    }
    if (!jsonl.empty()) {
      auto contents = ReadJsonl(jsonl);
      if (contents.ok() && static_cast<int>(contents->records.size()) >= records) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(child.pid, SIGKILL);
  CHECK(Wait(child) == -SIGKILL);
  return jsonl;
}

// Spawns xsd_bench and kills it with SIGKILL as soon as `ready()` holds
// (polled without sleeping); false when the child ended first.
bool KillWhen(const std::vector<std::string>& args, const std::function<bool()>& ready) {
  ScratchDir logs("bench");
  const Child child = Spawn(args, logs.File("log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) {
      ::kill(child.pid, SIGKILL);
      ::waitpid(child.pid, &status, 0);
      return true;
    }
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) return false;
  }
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, &status, 0);
  return false;
}

TEST_CASE("SIGKILL between records: --resume ends like an uninterrupted run", "[bench][faults]") {
  // In the baseline's first sample, and in the hiding config (the third).
  for (const int at : {1, 13}) {
    INFO("killed at " << at << " records");
    ScratchDir out("bench");
    const std::string jsonl = KillAtRecord(out.path(), at);
    REQUIRE_FALSE(jsonl.empty());
    const size_t before = RecordsOf(jsonl).size();
    CHECK(before >= static_cast<size_t>(at));
    REQUIRE(before < static_cast<size_t>(kSmallRunRecords));
    std::string output;
    REQUIRE(Run(With(SmallRun(out.path()), {"--resume"}), &output) == 0);
    INFO(output);
    CHECK(absl::StrContains(output, absl::StrCat("resuming: ", before, " of ", kSmallRunRecords)));
    CheckLikeWholeRun(out.path(), jsonl);
  }
}

TEST_CASE("SIGKILL mid-record or mid-header: --resume cuts the torn line and ends like an uninterrupted run",
          "[bench][faults]") {
  // Simulated: the uninterrupted run's file cut where a kill during a write
  // would cut it (a timed kill lands inside a write too rarely to test).
  const std::string whole = ReadWholeFile(WholeJsonl());
  const std::vector<size_t> ends = LineEnds(whole);
  REQUIRE(ends.size() == kSmallRunRecords + 1);
  struct Cut {
    const char* what;
    size_t bytes;
    size_t complete_records;
    bool torn;
  };
  const std::vector<Cut> cuts = {
      {"inside the header", ends[0] / 2, 0, true},
      {"inside record 4", (ends[3] + ends[4]) / 2, 3, true},
      {"record 10 without its newline", ends[10] - 1, 9, true},
      {"after record 16's newline", ends[16], 16, false},
  };
  for (const Cut& cut : cuts) {
    INFO(cut.what);
    ScratchDir out("bench");
    const std::string jsonl = CopyWholePrefix(out.path(), cut.bytes);
    std::string output;
    REQUIRE(Run(With(SmallRun(out.path()), {"--resume"}), &output) == 0);
    INFO(output);
    CHECK(absl::StrContains(output, "dropped a torn last line") == cut.torn);
    if (cut.complete_records > 0) {
      CHECK(absl::StrContains(output, absl::StrCat("resuming: ", cut.complete_records, " of ", kSmallRunRecords)));
    }
    // The complete lines before the cut are kept byte for byte.
    const size_t kept = cut.complete_records == 0 ? 0 : ends[cut.complete_records];
    CHECK(ReadWholeFile(jsonl).substr(0, kept) == whole.substr(0, kept));
    CheckLikeWholeRun(out.path(), jsonl);
  }
}

// The report JSON without the facts of the process that wrote it.
nlohmann::json WithoutSystem(nlohmann::json report) {
  report["config"].erase("system");
  return report;
}

// The Markdown report without its process's peak RSS line.
std::string WithoutRss(const std::string& md) {
  std::string out;
  size_t pos = 0;
  while (pos < md.size()) {
    const size_t nl = md.find('\n', pos);
    const size_t next = nl == std::string::npos ? md.size() : nl + 1;
    const std::string line = md.substr(pos, next - pos);
    if (!absl::StrContains(line, "peak RSS")) out += line;
    pos = next;
  }
  return out;
}

struct ReportSet {
  std::string json, md;                       // as WithoutSystem / WithoutRss
  std::map<std::string, std::string> charts;  // file name -> bytes
};

ReportSet ReadReportSet(const std::string& dir) {
  ReportSet set;
  for (const std::string& f : FilesEndingWith(dir, ".json")) {
    set.json = WithoutSystem(nlohmann::json::parse(ReadWholeFile(f))).dump();
  }
  for (const std::string& f : FilesEndingWith(dir, ".md")) set.md = WithoutRss(ReadWholeFile(f));
  for (const std::string& f : FilesEndingWith(dir, ".png")) {
    set.charts[fs::path(f).filename().string()] = ReadWholeFile(f);
  }
  return set;
}

void RemoveReports(const std::string& dir) {
  for (const char* ext : {".json", ".md", ".png", ".partial"}) {
    for (const std::string& f : FilesEndingWith(dir, ext)) fs::remove(f);
  }
}

TEST_CASE("SIGKILL while the report and charts are written leaves each file whole or absent; --resume completes them",
          "[bench][faults]") {
  ScratchDir out("bench");
  const std::string jsonl = CopyWholePrefix(out.path(), ReadWholeFile(WholeJsonl()).size());
  const std::vector<std::string> resume = With(SmallRun(out.path()), {"--resume", "--charts=true"});
  std::string output;
  REQUIRE(Run(resume, &output) == 0);
  const ReportSet reference = ReadReportSet(out.path());
#ifdef XSD_BENCH_WITH_CHARTS
  REQUIRE(reference.charts.size() == 4);
#else
  REQUIRE(reference.charts.empty());  // a build without OpenCV writes no PNGs
#endif
  // Regenerated from the same records: the uninterrupted run's report.
  const std::string whole_report = ReadWholeFile(FindReportJson(WholeRun().path()));
  CHECK(reference.json == WithoutSystem(nlohmann::json::parse(whole_report)).dump());

  // A resume that only rewrites the reports, killed the moment each file's
  // .partial appears (inside its write; the kill may also land just after
  // the rename): whatever it leaves under a final name is complete.
  const std::string ts = FindLatestRun(out.path(), "")->timestamp;
  std::vector<std::string> stages = {absl::StrCat("e2e_wallclock_", ts, ".json"), absl::StrCat("e2e_wallclock_", ts, ".md")};
  for (const auto& [name, bytes] : reference.charts) stages.push_back(name);
  int caught = 0;
  for (const std::string& stage : stages) {
    INFO("killed while writing " << stage);
    RemoveReports(out.path());
    const std::string trigger = PartialPath((fs::path(out.path()) / stage).string());
    caught += KillWhen(resume, [&] { return fs::exists(trigger); }) ? 1 : 0;
    const ReportSet left = ReadReportSet(out.path());  // parses every JSON left
    if (!left.json.empty()) CHECK(left.json == reference.json);
    if (!left.md.empty()) CHECK(left.md == reference.md);
    for (const auto& [name, bytes] : left.charts) {
      INFO(name);
      CHECK(bytes == reference.charts.at(name));
    }
  }
  // The kill must have landed inside a write at least once for the checks
  // above to mean anything (6 of 6 on a loaded 2-core machine).
  CHECK(caught >= 1);

  // What a kill between a file's write and its rename leaves (simulated: no
  // final files, half-written .partial files), and what the writer before
  // atomic writes left (a half final JSON): a resume replaces both.
  RemoveReports(out.path());
  const std::string report = FindReportJson(WholeRun().path());
  const std::string report_path = (fs::path(out.path()) / fs::path(report).filename()).string();
  const std::string half = ReadWholeFile(report).substr(0, ReadWholeFile(report).size() / 2);
  WriteWholeFile(PartialPath(report_path), half);
  WriteWholeFile(report_path, half);
  for (const auto& [name, bytes] : reference.charts) {
    WriteWholeFile(PartialPath((fs::path(out.path()) / name).string()), bytes.substr(0, bytes.size() / 3));
  }
  REQUIRE(Run(resume, &output) == 0);
  const ReportSet again = ReadReportSet(out.path());
  CHECK(again.json == reference.json);
  CHECK(again.md == reference.md);
  CHECK(again.charts == reference.charts);
  CheckLikeWholeRun(out.path(), jsonl);
}

// SmallRun's shard `index` of 2 in `out`.
std::vector<std::string> ShardRun(const std::string& out, int index) {
  return With(SmallRun(out), {absl::StrCat("--shard=", index, "/2")});
}

TEST_CASE("SIGKILL during merge leaves no partial union; merging again equals the whole run", "[bench][faults]") {
  ScratchDir s0("bench"), s1("bench"), merged("bench");
  std::string output;
  REQUIRE(Run(ShardRun(s0.path(), 0), &output) == 0);
  REQUIRE(Run(ShardRun(s1.path(), 1), &output) == 0);
  const std::vector<std::string> merge = {"merge", s0.path(), s1.path(), "--output_dir=" + merged.path(),
                                          "--charts=false"};
  // Killed inside the union's write, right after its rename, and inside the
  // report's write: each poll of the output directory below sees a stage.
  auto any_file = [&](const std::string& suffix) {
    return [&merged, suffix] { return !FilesEndingWith(merged.path(), suffix).empty(); };
  };
  int caught = 0;
  for (const std::string& stage : {".merged.jsonl.partial", ".merged.jsonl", ".json.partial"}) {
    INFO("killed at the first " << stage);
    for (const std::string& f : FilesEndingWith(merged.path(), "")) fs::remove(f);
    caught += KillWhen(merge, any_file(stage)) ? 1 : 0;
    for (const std::string& f : FilesEndingWith(merged.path(), ".merged.jsonl")) {
      INFO(f);
      auto contents = ReadJsonl(f);
      REQUIRE(contents.ok());
      CHECK_FALSE(contents->torn_tail);
      CHECK(contents->header.has_value());
      CHECK(static_cast<int>(contents->records.size()) == kSmallRunRecords);
    }
    for (const std::string& f : FilesEndingWith(merged.path(), ".json")) {
      INFO(f);
      CHECK(nlohmann::json::accept(ReadWholeFile(f)));
    }
  }
  CHECK(caught >= 1);  // 3 of 3 on a loaded 2-core machine
  // A stale partial union, as a kill before the rename leaves it.
  WriteWholeFile((fs::path(merged.path()) / "e2e_wallclock_20000101_000000.merged.jsonl.partial").string(),
           ReadWholeFile(WholeJsonl()).substr(0, 5000));
  REQUIRE(Run(merge, &output) == 0);
  INFO(output);
  const std::vector<std::string> unions = FilesEndingWith(merged.path(), ".merged.jsonl");
  REQUIRE_FALSE(unions.empty());
  auto contents = ReadJsonl(unions.back());
  REQUIRE(contents.ok());
  CHECK_FALSE(contents->torn_tail);
  CheckSameResults(RecordsOf(WholeJsonl()), contents->records);
  CheckSameReport(WholeRun().path(), merged.path());
}

TEST_CASE("A shard killed beside another in one directory resumes its own file; the merge equals the whole run",
          "[bench][faults]") {
  // Both shards in one --output_dir, started together (a Slurm array).
  ScratchDir out("bench");
  ScratchDir logs("bench");
  const Child other = Spawn(ShardRun(out.path(), 1), logs.File("shard1.log"));
  const std::string jsonl = KillAtRecord(out.path(), 3, {"--shard=0/2"}, "shard-0-of-2");
  REQUIRE(Wait(other) == 0);
  REQUIRE_FALSE(jsonl.empty());
  const auto other_run = FindLatestRun(out.path(), "shard-1-of-2");
  REQUIRE(other_run.has_value());
  const std::string other_bytes = ReadWholeFile(other_run->path);
  const size_t before = RecordsOf(jsonl).size();
  REQUIRE(before < static_cast<size_t>(kSmallRunRecords / 2));
  // As if the kill had landed inside a write.
  WriteWholeFile(jsonl, "{\"kind\":\"record\",\"config\":\"L5F_de", /*append=*/true);

  std::string output;
  REQUIRE(Run(With(ShardRun(out.path(), 0), {"--resume"}), &output) == 0);
  INFO(output);
  CHECK(absl::StrContains(output, "dropped a torn last line"));
  CHECK(absl::StrContains(output, absl::StrCat("resuming: ", before, " of ", kSmallRunRecords / 2)));
  CHECK(ReadWholeFile(other_run->path) == other_bytes);  // the other shard's file untouched
  CHECK(RecordsOf(jsonl).size() == static_cast<size_t>(kSmallRunRecords / 2));
  // Each shard keeps its own report, even when both started in one second.
  for (const std::string& suffix : {"shard-0-of-2", "shard-1-of-2"}) {
    const auto run = FindLatestRun(out.path(), suffix);
    REQUIRE(run.has_value());
    const std::string report = (fs::path(out.path()) / absl::StrCat("e2e_wallclock_", run->timestamp, ".", suffix,
                                                                    ".json")).string();
    INFO(report);
    REQUIRE(fs::exists(report));
    const nlohmann::json j = nlohmann::json::parse(ReadWholeFile(report));
    CHECK(j["aggregate"]["vl_baseline"]["n"] == kSmallRunRecords / 3 / 2);
  }

  ScratchDir merged("bench");
  REQUIRE(Run({"merge", out.path(), "--output_dir=" + merged.path(), "--charts=false"}, &output) == 0);
  const std::vector<std::string> unions = FilesEndingWith(merged.path(), ".merged.jsonl");
  REQUIRE(unions.size() == 1);
  CheckSameResults(RecordsOf(WholeJsonl()), RecordsOf(unions.front()));
  CheckSameReport(WholeRun().path(), merged.path());
}

}  // namespace
}  // namespace xsd::bench
