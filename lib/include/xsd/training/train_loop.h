// The training loop every trainer of libxsd shares (adapters, decode heads,
// the small world's models): epochs over a task's examples in a seeded
// order, AdamW with the cosine schedule and clipping, a progress callback
// per step, validation per epoch, and checkpoints.
//
// Checkpoints: `out_dir`/checkpoint.safetensors holds the parameters
// ("param.<name>"), the optimiser's state and, in its metadata, the step,
// the settings and the epochs' metrics so far; it is written atomically
// every `checkpoint_every` steps and at each epoch's end, so a SIGKILL loses
// at most one interval. `resume` continues from it (the settings must be
// the same: the error names the first that differs); the example order is a
// function of (seed, epoch), so a resumed run ends with the weights an
// uninterrupted one ends with, bit for bit on the CPU. `out_dir`/
// train_log.json lists the epochs' metrics (rewritten at each epoch's end).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "xsd/training/adamw.h"
#include "xsd/training/parameters.h"

namespace xsd {

// What is trained: examples (indices 0..n-1), a loss over a batch of them,
// and validation metrics.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual int64_t num_examples() const = 0;
  virtual TrainableParameters& parameters() = 0;
  // A scalar loss with its autograd graph back to parameters().
  virtual absl::StatusOr<at::Tensor> Loss(absl::Span<const int64_t> batch) = 0;
  // Metrics on held-out data ("val_loss", "cos>=0.9", "top1", ...).
  virtual absl::StatusOr<std::map<std::string, double>> Validate() = 0;
};

struct TrainLoopOptions {
  int epochs = 10;
  int batch_size = 64;
  AdamWOptions optimizer;
  uint64_t seed = 0;                // example order of epoch e: a shuffle seeded by (seed, e)
  std::string out_dir;              // checkpoint.safetensors, train_log.json; empty: no files
  int64_t checkpoint_every = 100;   // steps; 0: at epoch ends only
  bool resume = false;
  // Every setting of the run (the caller's too): recorded in the checkpoint
  // and the log; a resume must match it.
  nlohmann::json settings = nlohmann::json::object();
  // Stop (with a checkpoint) after this many steps of this call; 0: run to
  // the end. For tests of resume and for time-boxed runs.
  int64_t max_steps_this_call = 0;
};

struct StepProgress {
  int64_t step = 0, total_steps = 0;  // step counts from 1
  int epoch = 0, epochs = 0;          // epoch counts from 1
  double loss = 0, lr = 0, grad_norm = 0;
  double seconds = 0, eta_seconds = 0;  // this call's elapsed time, and the estimate of what is left
};

struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0;  // mean over the epoch's steps
  std::map<std::string, double> validation;
};

struct TrainResult {
  int64_t steps = 0;             // steps done in all (resumed ones included)
  int64_t resumed_from_step = 0;  // 0: a fresh run
  bool finished = false;          // all epochs done (false when max_steps_this_call stopped it)
  std::vector<EpochMetrics> epochs;
};

absl::StatusOr<TrainResult> RunTraining(TrainingTask& task, const TrainLoopOptions& options,
                                        const std::function<void(const StepProgress&)>& on_step = {},
                                        const std::function<void(const EpochMetrics&)>& on_epoch = {});

// The example order of one epoch.
std::vector<int64_t> EpochOrder(int64_t examples, uint64_t seed, int epoch);

}  // namespace xsd
