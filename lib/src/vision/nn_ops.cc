#include "nn_ops.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include "xsd/base/status.h"

namespace xsd {
namespace vision_internal {

bool IsKnownActivation(const std::string& name) {
  return name == "gelu" || name == "quick_gelu" || name == "gelu_pytorch_tanh" || name == "gelu_new";
}

at::Tensor Activation(const std::string& name, const at::Tensor& x) {
  if (name == "quick_gelu") return x * at::sigmoid(x * 1.702);
  if (name == "gelu_pytorch_tanh" || name == "gelu_new") return at::gelu(x, "tanh");
  return at::gelu(x);  // "gelu": exact erf form (validated by the configs' Validate)
}

at::Tensor Linear::operator()(const at::Tensor& x) const {
  return bias.defined() ? at::linear(x, weight, bias) : at::linear(x, weight);
}

absl::StatusOr<Linear> TakeLinear(const ScopedWeights& weights, const std::string& name, int64_t out, int64_t in,
                                  bool bias) {
  Linear layer;
  XSD_ASSIGN_OR_RETURN(layer.weight, weights.Take(name + ".weight", {out, in}));
  if (bias) {
    XSD_ASSIGN_OR_RETURN(layer.bias, weights.Take(name + ".bias", {out}));
  }
  return layer;
}

at::Tensor UnmaskedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v);
#else
  // libtorch 1.13 has no public fused kernel: softmax(q k^T / sqrt(d)) v,
  // accumulated in float for reduced-precision inputs.
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * scale;
  at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
  return at::matmul(probs, v);
#endif
}

void WaitForDevice(const at::Tensor& t) {
  if (t.defined() && t.is_cuda()) at::detail::getCUDAHooks().deviceSynchronize(t.get_device());
}

}  // namespace vision_internal
}  // namespace xsd
