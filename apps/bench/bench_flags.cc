#include "bench_flags.h"

#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "xsd/models/kernel_options.h"

// The seed document's flags, with its defaults.
ABSL_FLAG(std::string, dataset_dir, "", "DSEC dataset (EventGPT_Instruction_Subset.json, event_image/, mp4/); "
          "empty: built-in scenes (mock pipelines only)");
ABSL_FLAG(std::string, adapter_dir, "", "directory that relative adapter checkpoint paths in configs resolve against");
ABSL_FLAG(std::string, max_samples, "all", "number of scenes to benchmark, or \"all\"");
ABSL_FLAG(int32_t, max_new_tokens, 50, "output tokens per question (overrides every config)");
ABSL_FLAG(std::optional<int32_t>, n_questions, std::nullopt,
          "questions per scene (the first n of the questions file); default 10, or 8 for the world set");
ABSL_FLAG(std::optional<int32_t>, gamma, std::nullopt,
          "draft tokens per speculative round (default: each config's scheduler.gamma; the shipped configs use the "
          "seed's 1, or 0 for L*+VL)");
ABSL_FLAG(int32_t, warmup, 3, "warm-up scenes per config, excluded from the results");
ABSL_FLAG(std::string, configs, "all", "comma-separated config names, or \"all\"");
ABSL_FLAG(std::string, output_dir, "out/bench", "where the JSON lines, reports and charts go");
// libxsd additions.
ABSL_FLAG(std::string, config, "", "comma-separated .pbtxt paths to run instead of a config set (the baseline "
          "beside the first file joins when present)");
ABSL_FLAG(std::string, config_set, "auto", "embedded config set: mock (scripted models), models (configs/*.pbtxt), "
          "world (configs/world/*.pbtxt on the files of --world_dir), or auto (models with --dataset_dir, else world "
          "when <world_dir>/models exists, else mock)");
ABSL_FLAG(std::string, world_dir, "configs/world", "the world set's folder (relative to the working directory): "
          "models/, adapters/, heldout/ (checkpoint, adapter and dataset directories, questions file) unless those "
          "flags are given");
ABSL_FLAG(std::string, config_dir, "", "a directory of .pbtxt configs instead of an embedded set");
ABSL_FLAG(std::string, baseline, "vl_baseline", "the config speedups are measured against (always run first)");
ABSL_FLAG(std::string, checkpoint_dir, "", "directory that relative model checkpoint paths in configs resolve against");
ABSL_FLAG(std::string, questions_file, "", "JSON list of {\"question\": ...}; empty: the embedded top-50 list");
ABSL_FLAG(std::string, event_image_key, "event_image", "event_image or event_image_1f");
ABSL_FLAG(int32_t, builtin_scenes, 5, "scenes of the built-in dataset (without --dataset_dir)");
ABSL_FLAG(std::optional<uint64_t>, seed, std::nullopt, "pipeline seed for every config (default: each config's)");
ABSL_FLAG(std::string, target_device, "", "device of every target (cpu, cuda, cuda:N); drafters on the target's device follow it");
ABSL_FLAG(std::string, drafter_device, "", "device of the cross-modal drafter of prefill-hiding configs");
ABSL_FLAG(std::string, dtype, "", "float32, bfloat16 or float16 for every config; default: each config's");
ABSL_FLAG(bool, random_adapters, false, "drop adapter checkpoints: randomly initialised adapters (for timing with "
          "random-weight models; outputs and acceptance are then meaningless)");
ABSL_FLAG(bool, resume, false, "continue the run whose JSON lines are in --output_dir");
ABSL_FLAG(std::string, shard, "", "i/N: run every N-th request starting at i (0-based); default: Slurm array "
          "variables when present, else 1 shard");
ABSL_FLAG(std::string, numerics, "", "fast or row_invariant for every config (default: each config's `numerics`); "
          "row_invariant: verify rows equal decode steps bit for bit, so greedy SD output equals the target's own "
          "even at bf16 near-ties (xsd/models/kernel_options.h)");
ABSL_FLAG(std::string, kernel_options, "", "kernel seams for every config, e.g. gemv=0,attention_path=math "
          "(xsd/models/kernel_options.h; default: each config's `kernels`); recorded in the run header");
ABSL_FLAG(int32_t, threads, 1, "intra-op CPU threads of libtorch (at::set_num_threads); prefill hiding runs two "
          "lanes at once, each with this many");
ABSL_FLAG(bool, charts, true, "draw the PNG charts");
ABSL_FLAG(bool, quiet, false, "no progress output");

namespace xsd::bench {

std::string BenchUsage() {
  return "end-to-end wall-clock benchmark of libxsd pipelines (docs/bench.md)\n"
         "  xsd_bench [flags]                 run (no flags: the world set when configs/world/models exists, else the "
         "embedded mock configs)\n"
         "  xsd_bench merge DIR... [--output_dir=OUT]   combine shard outputs into one report";
}

absl::StatusOr<BenchOptions> BenchOptionsFromFlags() {
  BenchOptions o;
  o.dataset_dir = absl::GetFlag(FLAGS_dataset_dir);
  o.adapter_dir = absl::GetFlag(FLAGS_adapter_dir);
  o.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  const std::string max_samples = absl::GetFlag(FLAGS_max_samples);
  if (max_samples == "all") {
    o.max_samples = kAll;
  } else if (!absl::SimpleAtoi(max_samples, &o.max_samples)) {
    return absl::InvalidArgumentError(absl::StrCat("--max_samples=", max_samples, ": expected a number or \"all\""));
  }
  o.max_new_tokens = absl::GetFlag(FLAGS_max_new_tokens);
  if (auto n = absl::GetFlag(FLAGS_n_questions); n.has_value()) {
    o.n_questions = *n;
    o.n_questions_given = true;
  }
  if (auto g = absl::GetFlag(FLAGS_gamma); g.has_value()) o.gamma = *g;
  if (auto s = absl::GetFlag(FLAGS_seed); s.has_value()) o.seed = *s;
  o.warmup = absl::GetFlag(FLAGS_warmup);
  const std::string configs = absl::GetFlag(FLAGS_configs);
  if (configs != "all") {
    for (absl::string_view name : absl::StrSplit(configs, ',', absl::SkipWhitespace())) {
      o.configs.emplace_back(absl::StripAsciiWhitespace(name));
    }
    if (o.configs.empty()) return absl::InvalidArgumentError(absl::StrCat("--configs=", configs, ": no config names"));
  }
  for (absl::string_view path : absl::StrSplit(absl::GetFlag(FLAGS_config), ',', absl::SkipWhitespace())) {
    o.config_files.emplace_back(absl::StripAsciiWhitespace(path));
  }
  o.config_set = absl::GetFlag(FLAGS_config_set);
  o.config_dir = absl::GetFlag(FLAGS_config_dir);
  o.world_dir = absl::GetFlag(FLAGS_world_dir);
  o.baseline = absl::GetFlag(FLAGS_baseline);
  o.questions_file = absl::GetFlag(FLAGS_questions_file);
  o.event_image_key = absl::GetFlag(FLAGS_event_image_key);
  o.builtin_scenes = absl::GetFlag(FLAGS_builtin_scenes);
  o.target_device = absl::GetFlag(FLAGS_target_device);
  o.drafter_device = absl::GetFlag(FLAGS_drafter_device);
  o.dtype = absl::GetFlag(FLAGS_dtype);
  o.random_adapters = absl::GetFlag(FLAGS_random_adapters);
  o.numerics = absl::GetFlag(FLAGS_numerics);
  if (!o.numerics.empty()) {
    if (absl::StatusOr<Numerics> n = ParseNumerics(o.numerics); !n.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--numerics: ", n.status().message()));
    }
  }
  o.kernel_options = absl::GetFlag(FLAGS_kernel_options);
  if (absl::StatusOr<KernelOptions> k = ParseKernelOptions(o.kernel_options); !k.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--kernel_options: ", k.status().message()));
  }
  o.output_dir = absl::GetFlag(FLAGS_output_dir);
  o.resume = absl::GetFlag(FLAGS_resume);
  const std::string shard = absl::GetFlag(FLAGS_shard);
  if (!shard.empty()) {
    auto parsed = ParseShard(shard);
    if (!parsed.ok()) return parsed.status();
    o.shard = *parsed;
  } else {
    auto slurm = ShardFromSlurm();
    if (!slurm.ok()) return slurm.status();
    if (slurm->has_value()) o.shard = **slurm;
  }
  o.threads = absl::GetFlag(FLAGS_threads);
  o.charts = absl::GetFlag(FLAGS_charts);
  o.quiet = absl::GetFlag(FLAGS_quiet);
  return o;
}

}  // namespace xsd::bench
