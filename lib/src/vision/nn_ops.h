// Small tensor operations shared by the vision module's blocks (private).
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"

namespace xsd {
namespace vision_internal {

// Activation by its Hugging Face name: "gelu" (exact, erf), "quick_gelu"
// (x * sigmoid(1.702 x)), "gelu_pytorch_tanh" / "gelu_new" (tanh approximation).
bool IsKnownActivation(const std::string& name);
at::Tensor Activation(const std::string& name, const at::Tensor& x);

// A dense layer y = x W^T + b, as stored by torch.nn.Linear.
struct Linear {
  at::Tensor weight;  // [out, in]
  at::Tensor bias;    // [out], or undefined when the layer has none
  at::Tensor operator()(const at::Tensor& x) const;
};

// Takes "<name>.weight" [out, in] and, when `bias`, "<name>.bias" [out].
absl::StatusOr<Linear> TakeLinear(const ScopedWeights& weights, const std::string& name, int64_t out, int64_t in,
                                  bool bias);

// Multi-head attention over q, k, v [N, heads, T, d] without a mask; returns
// [N, heads, T, d]. Uses the fused kernel where libtorch has one (>= 2.0).
at::Tensor UnmaskedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// Waits until the device that holds `t` has finished its queued work (CUDA),
// so that stage timings (media / vision / LLM) measure the stage. No-op on
// the CPU. Used only at stage boundaries of a prefill, never inside a step.
void WaitForDevice(const at::Tensor& t);

}  // namespace vision_internal
}  // namespace xsd
