#include "loop_flags.h"

#include <cstdio>

#include <ATen/Parallel.h>

#include "xsd/base/status.h"

namespace xsd::train {

std::map<std::string, std::string> WithLoopFlags(std::map<std::string, std::string> own, int epochs, int batch_size,
                                                 const std::string& lr) {
  own.emplace("epochs", std::to_string(epochs));
  own.emplace("batch_size", std::to_string(batch_size));
  own.emplace("lr", lr);
  own.emplace("checkpoint_every", "50");
  own.emplace("resume", "false");
  own.emplace("seed", "0");
  // One thread by default: the small models' ops are too short for OpenMP
  // (two threads ran the world's training 10x slower on a loaded 2-core box).
  own.emplace("threads", "1");
  own.emplace("quiet", "false");
  return own;
}

absl::StatusOr<TrainLoopOptions> LoopOptionsFromFlags(const Flags& f, const std::string& out_dir) {
  TrainLoopOptions loop;
  XSD_ASSIGN_OR_RETURN(const int64_t epochs, f.Int("epochs"));
  XSD_ASSIGN_OR_RETURN(const int64_t batch, f.Int("batch_size"));
  XSD_ASSIGN_OR_RETURN(const int64_t seed, f.Int("seed"));
  XSD_ASSIGN_OR_RETURN(const int64_t threads, f.Int("threads"));
  XSD_ASSIGN_OR_RETURN(loop.optimizer.lr, f.Double("lr"));
  XSD_ASSIGN_OR_RETURN(loop.checkpoint_every, f.Int("checkpoint_every"));
  XSD_ASSIGN_OR_RETURN(loop.resume, f.Bool("resume"));
  if (epochs < 1) return absl::InvalidArgumentError("--epochs: must be >= 1");
  if (batch < 1) return absl::InvalidArgumentError("--batch_size: must be >= 1");
  if (loop.optimizer.lr <= 0) return absl::InvalidArgumentError("--lr: must be > 0");
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  loop.epochs = static_cast<int>(epochs);
  loop.batch_size = static_cast<int>(batch);
  loop.seed = static_cast<uint64_t>(seed);
  loop.out_dir = out_dir;
  return loop;
}

absl::Status ApplyThreads(const Flags& f) {
  XSD_ASSIGN_OR_RETURN(const int64_t threads, f.Int("threads"));
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  return absl::OkStatus();
}

void PrintRunHeader(const std::string& command, const Flags& f) {
  if (f.Str("quiet") == "true") return;
  std::fprintf(stderr, "xsd_train %s\n", command.c_str());
  for (const auto& [name, value] : f.all()) std::fprintf(stderr, "  --%s=%s\n", name.c_str(), value.c_str());
}

nlohmann::json FlagSettings(const Flags& f) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : f.all()) {
    // Presentation and resumption do not change what is trained (threads can:
    // reduction order).
    if (name == "quiet" || name == "resume") continue;
    j[name] = value;
  }
  return j;
}

}  // namespace xsd::train
