// TrainableParameters: the named float32 leaf tensors a training run
// optimises. Models are not rebuilt for training: every step hands these
// leaves to the same loaders the runtime uses (AsSource: a MapWeightSource
// whose Take converts to the compute dtype and device — a differentiable
// cast, so bf16 compute keeps float32 master weights), builds the inference
// module (adapter, LLaMA model, EAGLE head) from them and runs its forward;
// autograd carries the gradients back to the leaves. What is trained is what
// the runtime runs, written once.
//
// Ownership: owns its tensors. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/models/weights_map.h"

namespace xsd {

class TrainableParameters {
 public:
  // Initialised as the research initialises adapters (ParamSpec::Init;
  // normal std 0.02), from a CPU generator seeded with `seed`.
  static absl::StatusOr<TrainableParameters> FromSpecs(const std::vector<ParamSpec>& specs, uint64_t seed,
                                                       const c10::Device& device);
  // Float32 copies of `tensors` (e.g. a checkpoint's), on `device`.
  static absl::StatusOr<TrainableParameters> FromTensors(const std::map<std::string, at::Tensor>& tensors,
                                                         const c10::Device& device);

  const std::map<std::string, at::Tensor>& tensors() const { return tensors_; }
  int64_t count() const;  // scalar parameters in all
  // A weight source over the leaves (no copy) converting to `dtype` on Take,
  // with the loader's name aliases (e.g. LlamaLayoutAliases()).
  std::unique_ptr<MapWeightSource> AsSource(c10::ScalarType dtype, const std::string& label,
                                            std::vector<WeightAlias> aliases = {}) const;
  // Sets every gradient to undefined.
  void ZeroGrad();
  // Detached float32 CPU copies in name order, for checkpoints and outputs.
  std::vector<std::pair<std::string, at::Tensor>> Snapshot() const;
  // Overwrites the leaves' values from `tensors` (same names and shapes).
  absl::Status Restore(const std::map<std::string, at::Tensor>& tensors);

 private:
  std::map<std::string, at::Tensor> tensors_;  // float32 leaves with requires_grad
};

}  // namespace xsd
