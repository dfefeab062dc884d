// The driving world's config set (--config_set=world, docs/bench.md): the
// configs of configs/world/*.pbtxt, embedded in the binary, run on the files
// of one world folder (--world_dir, default "configs/world", relative to the
// working directory):
//
//   <world_dir>/models/video_llava, models/eventgpt   checkpoints    (--checkpoint_dir)
//   <world_dir>/adapters/<L1..L5, B1, L5F>.safetensors adapters       (--adapter_dir)
//   <world_dir>/heldout/                              held-out scenes (--dataset_dir)
//   <world_dir>/heldout/questions.json                the 8 questions (--questions_file)
//
// A flag the user passes wins over the folder's path; --n_questions defaults
// to the world's 8 questions.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench_options.h"
#include "config_set.h"

namespace xsd::bench {

inline constexpr int kWorldQuestions = 8;

// Replaces options.config_set by EffectiveConfigSet (never "auto"
// afterwards). For "world", fills checkpoint_dir, adapter_dir, dataset_dir,
// questions_file and n_questions where the user left them, and checks the
// folders and files it filled in: InvalidArgument naming --world_dir when the
// folder is missing, NotFound naming the missing path otherwise.
absl::Status ResolveConfigSet(BenchOptions& options);

// For the world set: every checkpoint directory the configs (overrides
// applied) read holds config.json and its weights, and every adapter
// checkpoint exists. NotFound names the missing file and the config.
absl::Status CheckWorldFiles(const std::vector<BenchConfig>& configs);

}  // namespace xsd::bench
