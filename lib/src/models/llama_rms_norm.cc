#include "xsd/models/llama_rms_norm.h"

#include <ATen/ATen.h>

#include "xsd/base/status.h"
#include "xsd/base/torch_status.h"

namespace xsd {

absl::StatusOr<RmsNorm> RmsNorm::Load(const ScopedWeights& weights, const std::string& name, int dim, double eps) {
  XSD_ASSIGN_OR_RETURN(at::Tensor weight, weights.Take(name, {dim}));
  return RmsNorm(std::move(weight), eps);
}

absl::StatusOr<at::Tensor> RmsNorm::Forward(const at::Tensor& x) const {
  return TorchCall("rms norm", [&]() -> absl::StatusOr<at::Tensor> {
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
    return weight_ * normed.to(x.scalar_type());
  });
}

}  // namespace xsd
