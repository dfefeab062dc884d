// xsd_bench: the end-to-end wall-clock benchmark (docs/bench.md).
//
//   xsd_bench                          the world set (configs/world) when its models exist, else
//                                      embedded mock configs on built-in scenes
//   xsd_bench --dataset_dir=D --configs=vl_baseline,L4+VL
//   xsd_bench merge out/shard0 out/shard1 --output_dir=out/all
//
// Exit codes: 0 done; 2 rejected before running (a flag, a config, the
// dataset); 1 failed while running (finished samples are kept: --resume).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "atomic_file.h"
#include "bench_flags.h"
#include "config_set.h"
#include "dataset.h"
#include "jsonl_store.h"
#include "merge.h"
#include "progress.h"
#include "report.h"
#include "results_table.h"
#include "run_files.h"
#include "run_header.h"
#include "runner.h"
#include "synthetic_source.h"
#include "system_info.h"
#include "world_set.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kExitRejected = 2;
constexpr int kExitFailed = 1;

int Fail(int code, const absl::Status& status) {
  std::fprintf(stderr, "xsd_bench: %s\n", std::string(status.message()).c_str());
  return code;
}

// absl exits with status 1 on a value that does not parse; check every
// "--flag=value" first so a bad value is answered like the others (exit 2).
void PrecheckFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-")) continue;
    std::string body = arg.substr(arg.find_first_not_of('-'));
    const size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    // absl's own flags (usage, flagfile) are left to absl.
    static const char* kAbslFlags[] = {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
                                       "version", "only_check_args", "flagfile", "fromenv", "tryfromenv", "undefok"};
    if (std::find(std::begin(kAbslFlags), std::end(kAbslFlags), name) != std::end(kAbslFlags)) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) flag = absl::FindCommandLineFlag(name.substr(2));
    if (flag == nullptr) {
      std::fprintf(stderr, "xsd_bench: %s: unknown flag (see --help)\n", arg.c_str());
      std::exit(kExitRejected);
    }
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (flag->IsOfType<bool>()) {
      continue;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::fprintf(stderr, "xsd_bench: --%s: missing value\n", name.c_str());
      std::exit(kExitRejected);
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "xsd_bench: --%s=%s: %s\n", name.c_str(), value.c_str(), error.c_str());
      std::exit(kExitRejected);
    }
  }
}

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("--output_dir=", dir, ": ", ec.message()));
  return absl::OkStatus();
}

void PrintReport(const RunSummary& summary, const std::string& jsonl, const ReportFiles& files, bool mock) {
  std::printf("\n%s%s\n", mock ? "MOCK pipelines (scripted models, simulated costs)\n" : "", ResultsTable(summary).c_str());
  std::printf("results: %s\nreport:  %s\n         %s\n", jsonl.c_str(), files.json.c_str(), files.markdown.c_str());
  for (const std::string& c : files.charts) std::printf("chart:   %s\n", c.c_str());
  std::fflush(stdout);
}

int RunMerge(const BenchOptions& options, const std::vector<std::string>& inputs) {
  auto merged = MergeShards(inputs);
  if (!merged.ok()) return Fail(kExitRejected, merged.status());
  if (absl::Status s = MakeDirs(options.output_dir); !s.ok()) return Fail(kExitFailed, s);
  if (static_cast<int>(merged->shards.size()) < merged->shard_count) {
    std::fprintf(stderr, "xsd_bench: merge: only %zu of %d shards found; the report covers those\n",
                 merged->shards.size(), merged->shard_count);
  }
  // The union as one JSON lines file too, so it can be reported or merged
  // again; written whole or not at all (a merge killed midway leaves no
  // partial union to be mistaken for the run).
  const std::string timestamp = NowTimestamp();
  const std::string union_path = (fs::path(options.output_dir) / MergedJsonlFileName(timestamp)).string();
  if (absl::Status s = WriteFileAtomically(union_path, JsonlText(merged->header, merged->records)); !s.ok()) {
    return Fail(kExitFailed, s);
  }
  ReportInput input;
  input.header = merged->header;
  input.records = merged->records;
  input.system = CollectSystemInfo();
  input.timestamp = timestamp;
  input.shards_merged = merged->shards;
  auto files = WriteReports(input, options.output_dir, options.charts);
  if (!files.ok()) return Fail(kExitFailed, files.status());
  std::printf("merged %zu records from %zu files (%d duplicates dropped) into %s\n", merged->records.size(),
              merged->inputs.size(), merged->duplicates, union_path.c_str());
  SortRecords(input.header, input.records);
  PrintReport(SummarizeRun(input), union_path, *files, AllMock(input.header));
  return 0;
}

int RunBench(BenchOptions options) {
  const bool auto_set = options.config_set == "auto" && options.config_files.empty() && options.config_dir.empty();
  if (absl::Status s = ResolveConfigSet(options); !s.ok()) return Fail(kExitRejected, s);
  if (auto_set && !options.quiet) {
    const std::string why = options.config_set == "world"    ? options.world_dir + "/models found"
                            : options.config_set == "models" ? std::string("--dataset_dir given")
                                                             : "no " + options.world_dir + "/models";
    std::fprintf(stderr, "xsd_bench: config set %s (%s)\n", options.config_set.c_str(), why.c_str());
  }
  at::set_num_threads(options.threads);
  auto configs = ResolveConfigs(options);
  if (!configs.ok()) return Fail(kExitRejected, configs.status());
  // Real models need media: without a dataset they get synthetic scenes.
  const bool all_mock = std::all_of(configs->begin(), configs->end(),
                                    [](const BenchConfig& c) { return UsesOnlyMockModels(c.config); });
  if (options.dataset_dir.empty() && !all_mock) {
    if (absl::Status s = MakeDirs(options.output_dir); !s.ok()) return Fail(kExitRejected, s);
    const int scenes = options.max_samples == kAll ? options.builtin_scenes
                                                   : std::min(options.max_samples, options.builtin_scenes);
    auto dir = WriteSyntheticScenes((fs::path(options.output_dir) / "synthetic_dataset").string(), scenes,
                                    options.seed.value_or(0));
    if (!dir.ok()) return Fail(kExitRejected, dir.status());
    options.dataset_dir = *dir;
    std::fprintf(stderr, "xsd_bench: no --dataset_dir: %d synthetic scenes in %s\n", scenes, dir->c_str());
  }
  auto questions = LoadQuestions(options.questions_file);
  if (!questions.ok()) return Fail(kExitRejected, questions.status());
  DatasetOptions data;
  data.dataset_dir = options.dataset_dir;
  data.event_image_key = options.event_image_key;
  data.max_samples = options.max_samples;
  data.n_questions = options.n_questions;
  data.builtin_scenes = options.builtin_scenes;
  data.seed = options.seed.value_or(0);
  auto all_samples = LoadBenchSamples(data, *questions);
  if (!all_samples.ok()) return Fail(kExitRejected, all_samples.status());
  std::vector<BenchSample> samples;
  for (int p : ShardPositions(static_cast<int>(all_samples->size()), options.shard)) samples.push_back((*all_samples)[p]);

  if (absl::Status s = MakeDirs(options.output_dir); !s.ok()) return Fail(kExitRejected, s);
  // A fresh run is named by its start time; --resume continues the latest run
  // of this shard in the directory (and starts one when there is none).
  std::string timestamp = NowTimestamp();
  std::string jsonl = (fs::path(options.output_dir) / JsonlFileName(timestamp, options.shard.Suffix())).string();
  if (options.resume) {
    if (auto latest = FindLatestRun(options.output_dir, options.shard.Suffix()); latest.has_value()) {
      jsonl = latest->path;
      timestamp = latest->timestamp;
    } else {
      std::fprintf(stderr, "xsd_bench: --resume: no run in %s yet; starting one\n", options.output_dir.c_str());
    }
  }
  auto store = JsonlStore::Open(jsonl, options.resume);
  if (!store.ok()) return Fail(kExitRejected, store.status());
  const nlohmann::json header = MakeRunHeader(options, *configs, options.shard);
  if ((*store)->header().has_value()) {
    if (absl::Status s = CheckSameRun(*(*store)->header(), header, absl::StrCat("--resume: ", jsonl), false); !s.ok()) {
      return Fail(kExitRejected, s);
    }
  } else if (absl::Status s = (*store)->WriteHeader(header); !s.ok()) {
    return Fail(kExitFailed, s);
  }
  if ((*store)->dropped_torn_tail()) std::fprintf(stderr, "xsd_bench: %s: dropped a torn last line\n", jsonl.c_str());

  RunnerOptions runner_options;
  runner_options.warmup_scenes = options.warmup;
  runner_options.baseline = options.baseline;
  runner_options.shard = options.shard;
  Progress progress(MakeProgressOptions(!options.quiet));
  BenchRunner runner(runner_options, store->get(), &progress);
  const absl::Status run = runner.Run(*configs, samples);
  if (!run.ok()) {
    std::fprintf(stderr, "xsd_bench: %s\nxsd_bench: finished samples are kept in %s; rerun with --resume\n",
                 std::string(run.message()).c_str(), jsonl.c_str());
    return kExitFailed;
  }

  ReportInput input;
  input.header = *(*store)->header();
  input.records = (*store)->records();
  input.system = CollectSystemInfo();
  input.timestamp = timestamp;  // the run's: a resume regenerates the same report
  input.file_suffix = options.shard.Suffix();
  auto files = WriteReports(input, options.output_dir, options.charts);
  if (!files.ok()) return Fail(kExitFailed, files.status());
  SortRecords(input.header, input.records);
  PrintReport(SummarizeRun(input), jsonl, *files, AllMock(input.header));
  return 0;
}

}  // namespace
}  // namespace xsd::bench

int main(int argc, char** argv) {
  using namespace xsd::bench;
  absl::SetProgramUsageMessage(BenchUsage());
  absl::FlagsUsageConfig usage;
  // --help lists the flags of bench_flags.cc (absl matches the binary's name by default).
  usage.contains_help_flags = [](absl::string_view file) { return absl::EndsWith(file, "bench_flags.cc"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  PrecheckFlags(argc, argv);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  auto options = BenchOptionsFromFlags();
  if (!options.ok()) return Fail(kExitRejected, options.status());
  if (absl::Status s = ValidateBenchOptions(*options); !s.ok()) return Fail(kExitRejected, s);
  if (positional.size() > 1) {
    const std::string mode = positional[1];
    if (mode != "merge") {
      return Fail(kExitRejected, absl::InvalidArgumentError(absl::StrCat(mode, ": unknown argument; use flags, or "
                                                                         "'merge DIR...'")));
    }
    return RunMerge(*options, std::vector<std::string>(positional.begin() + 2, positional.end()));
  }
  return RunBench(*options);
}
