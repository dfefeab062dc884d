// The flags every training subcommand shares: the loop (epochs, batch size,
// learning rate, checkpoints, resume, seed) and the run's presentation
// (threads, quiet), and the run header printed before the first step.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "flags.h"
#include "xsd/training/train_loop.h"

namespace xsd::train {

// `own` plus --epochs, --batch_size, --lr (these defaults), --checkpoint_every,
// --resume, --seed, --threads, --quiet.
std::map<std::string, std::string> WithLoopFlags(std::map<std::string, std::string> own, int epochs, int batch_size,
                                                 const std::string& lr);

// The loop's options from those flags (checkpoints and the log in
// `out_dir`); sets the CPU thread count when --threads > 0.
absl::StatusOr<TrainLoopOptions> LoopOptionsFromFlags(const Flags& f, const std::string& out_dir);

// --threads (> 0: at::set_num_threads), for commands without a loop.
absl::Status ApplyThreads(const Flags& f);

// Prints "xsd_train <command>" and every flag's value (the run header; the
// settings also go into the checkpoint and train_log.json), unless --quiet.
void PrintRunHeader(const std::string& command, const Flags& f);

// Every flag as JSON (strings), for TrainLoopOptions::settings.
nlohmann::json FlagSettings(const Flags& f);

}  // namespace xsd::train
