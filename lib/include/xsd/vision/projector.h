// MlpProjector: the two-layer MLP that maps vision features into the language
// model's embedding space: Linear(in -> out), activation, Linear(out -> out).
// Used by Video-LLaVA (multi_modal_projector.linear_1 / linear_2, GELU) and
// EventGPT (model.visual_projector.0 / .2: an nn.Sequential, GELU at index 1).
//
// Ownership and threading: owns its immutable weights; Forward is const.
#pragma once

#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"

namespace xsd {

struct MlpProjectorSpec {
  int in_features = 1024;
  int out_features = 4096;
  std::string activation = "gelu";  // Hugging Face name: "gelu" is the exact (erf) form
  std::string first = "linear_1";   // names of the two layers under the scope
  std::string second = "linear_2";
};

class MlpProjector {
 public:
  static absl::StatusOr<std::unique_ptr<MlpProjector>> Load(const MlpProjectorSpec& spec, const ScopedWeights& weights);
  ~MlpProjector();

  const MlpProjectorSpec& spec() const { return spec_; }
  // [..., in_features] -> [..., out_features], in the weights' dtype and device.
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& features) const;

 private:
  struct Weights;
  MlpProjector(const MlpProjectorSpec& spec, std::unique_ptr<Weights> weights);
  MlpProjectorSpec spec_;
  std::unique_ptr<Weights> weights_;
};

}  // namespace xsd
