// Everything one benchmark run is asked to do: the command-line flags
// (bench_flags.cc) turned into a plain struct, validated in one place so that
// every bad value is answered with one line naming the flag and the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shard.h"

namespace xsd::bench {

inline constexpr int kAll = -1;

struct BenchOptions {
  // ---- what to run
  std::string dataset_dir;                // DSEC layout (docs/bench.md); empty: built-in scenes
  std::string event_image_key = "event_image";  // "event_image" or "event_image_1f"
  std::string questions_file;             // JSON list of {"question": ...}; empty: embedded top-50
  int max_samples = kAll;                 // scenes; kAll = every scene of the dataset
  int n_questions = 10;                   // questions per scene (the first n of the file)
  bool n_questions_given = false;         // --n_questions was passed (the world set's default is 8)
  int builtin_scenes = 5;                 // scenes of the built-in dataset
  int warmup = 3;                         // warm-up scenes per config, excluded from the results
  // ---- which pipelines
  std::vector<std::string> configs;       // config names; empty = all of the set
  std::vector<std::string> config_files;  // --config: .pbtxt paths (replace the set)
  std::string config_set = "auto";        // "auto", "mock", "models", "world" (embedded sets) ...
  std::string world_dir = "configs/world";  // the world set's models/, adapters/, heldout/ (world_set.h)
  std::string config_dir;                 // ... or a directory of .pbtxt files
  std::string baseline = "vl_baseline";   // config that every speedup is measured against
  std::string adapter_dir;                // resolves relative adapter checkpoint paths
  std::string checkpoint_dir;             // resolves relative model checkpoint paths
  // ---- overrides of config fields (benchmark-wide, so every config is comparable)
  int max_new_tokens = 50;                // always applied
  std::optional<int> gamma;               // applied to configs that draft, when given
  std::optional<uint64_t> seed;           // applied to every config, when given
  std::string target_device;              // "" = the config's; drafters on the target's device follow it
  std::string drafter_device;             // "" = the config's; the prefill-hiding (cross-modal) drafter
  std::string dtype;                      // "" = the config's; "float32", "bfloat16", "float16"
  bool random_adapters = false;           // adapters without checkpoints: random init (timing only)
  std::string numerics;        // "fast" / "row_invariant" for every config; empty: each config's
  std::string kernel_options;  // kernel seams for every config (ParseKernelOptions); empty: each config's
  // ---- where and how
  std::string output_dir = "out/bench";
  bool resume = false;
  ShardSpec shard;
  bool charts = true;
  int threads = 1;                        // intra-op CPU threads (at::set_num_threads)
  bool quiet = false;                     // no progress output
};

// InvalidArgument naming the flag and its value ("--n_questions=-1: must be >= 1").
absl::Status ValidateBenchOptions(const BenchOptions& options);

// The embedded set a run uses: --config_set unless "auto"; "auto" is
// "models" with --dataset_dir, "world" when <world_dir>/models is a directory
// and no --config / --config_dir replaces the sets, else "mock".
std::string EffectiveConfigSet(const BenchOptions& options);

}  // namespace xsd::bench
