// AdamW with a cosine learning-rate schedule and global-norm gradient
// clipping, as the research trained its adapters (FACTS.md §3: lr 1e-3,
// weight decay 0.01, cosine to 1e-6, clip 1.0). Written here rather than
// taken from torch::optim so that its whole state is plain named tensors:
// checkpoints are safetensors files and a resumed run continues bit for bit.
//
// Ownership: holds its moment tensors; the parameters are borrowed for each
// Step. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/status.h"
#include "xsd/training/parameters.h"

namespace xsd {

struct AdamWOptions {
  double lr = 1e-3;
  double min_lr = 1e-6;  // the cosine schedule's end
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
  double clip_norm = 1.0;  // 0: no clipping
};

// lr at `step` of `total` (cosine from lr to min_lr; step counts from 0).
double CosineLearningRate(const AdamWOptions& options, int64_t step, int64_t total);

class AdamW {
 public:
  explicit AdamW(AdamWOptions options) : options_(options) {}

  // One update of every parameter that has a gradient: clips the gradients'
  // global norm to clip_norm, then AdamW with learning rate `lr`. Returns the
  // gradient norm before clipping.
  absl::StatusOr<double> Step(TrainableParameters& params, double lr);

  int64_t steps() const { return steps_; }
  // "adam.m.<name>", "adam.v.<name>" (float32, CPU) and "adam.step".
  std::vector<std::pair<std::string, at::Tensor>> State() const;
  absl::Status LoadState(const std::map<std::string, at::Tensor>& tensors, const TrainableParameters& params);

 private:
  AdamWOptions options_;
  int64_t steps_ = 0;
  std::map<std::string, at::Tensor> m_, v_;
};

}  // namespace xsd
