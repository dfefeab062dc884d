#include "xsd/models/llama_rms_norm.h"

#include <utility>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"

#include "fused_kernels.h"
#include "row_invariant_cpu.h"

namespace xsd {

absl::StatusOr<RmsNorm> RmsNorm::Load(const ScopedWeights& weights, const std::string& name, int dim, double eps) {
  XSD_ASSIGN_OR_RETURN(at::Tensor weight, weights.Take(name, {dim}));
  return RmsNorm(std::move(weight), eps);
}

absl::StatusOr<at::Tensor> RmsNorm::Forward(const at::Tensor& x) const {
  XSD_ASSIGN_OR_RETURN(auto out, Fused(x, at::Tensor()));
  if (out.second.defined()) return out.second;
  return TorchCall("rms norm", [&]() -> absl::StatusOr<at::Tensor> {
    if (x.dim() >= 1 && x.size(-1) == weight_.numel() && x.size(-1) > 0 &&
        RowInvariantCpuCall(x.numel() / x.size(-1), {x, weight_})) {
      return RowInvariantRmsNormCpu(x, weight_, eps_);  // the CPU's rows alone (ATen's mean may split a row)
    }
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
    return weight_ * normed.to(x.scalar_type());
  });
}

absl::StatusOr<std::pair<at::Tensor, at::Tensor>> RmsNorm::ForwardResidual(const at::Tensor& x,
                                                                           const at::Tensor& residual) const {
  if (!residual.defined()) {
    XSD_ASSIGN_OR_RETURN(at::Tensor normed, Forward(x));
    return std::make_pair(x, normed);
  }
  XSD_ASSIGN_OR_RETURN(auto out, Fused(x, residual));
  if (out.second.defined()) return out;
  at::Tensor sum;
  XSD_RETURN_IF_ERROR(TorchCall("residual add", [&]() -> absl::Status {
    sum = x + residual;
    return absl::OkStatus();
  }));
  XSD_ASSIGN_OR_RETURN(at::Tensor normed, Forward(sum));
  return std::make_pair(sum, normed);
}

absl::StatusOr<std::pair<at::Tensor, at::Tensor>> RmsNorm::Fused(const at::Tensor& x, const at::Tensor& residual) const {
#ifdef XSD_WITH_CUDA_KERNELS
  kernels::Dtype dtype;
  const bool eligible = x.is_cuda() && x.is_contiguous() && weight_.is_contiguous() &&
                        weight_.scalar_type() == x.scalar_type() && weight_.device() == x.device() &&
                        FusedKernelDtype(x, &dtype) && x.dim() >= 1 && x.size(-1) == weight_.numel() &&
                        (!residual.defined() || (residual.is_contiguous() && residual.sizes() == x.sizes() &&
                                                 residual.scalar_type() == x.scalar_type())) &&
                        !NeedsAutograd(x, weight_, residual);
  if (!eligible) return std::make_pair(at::Tensor(), at::Tensor());
  return TorchCall("fused rms norm", [&]() -> absl::StatusOr<std::pair<at::Tensor, at::Tensor>> {
    at::Tensor out = at::empty_like(x);
    at::Tensor sum = residual.defined() ? at::empty_like(x) : at::Tensor();
    const int dim = static_cast<int>(x.size(-1));
    const char* error = kernels::LaunchRmsNorm(
        dtype, x.data_ptr(), residual.defined() ? residual.data_ptr() : nullptr, sum.defined() ? sum.data_ptr() : nullptr,
        weight_.data_ptr(), out.data_ptr(), x.numel() / dim, dim, static_cast<float>(eps_), CurrentCudaStream(x.device()));
    if (error != nullptr) return absl::InternalError(absl::StrCat("fused rms norm: ", error));
    return std::make_pair(sum, out);
  });
#else
  return std::make_pair(at::Tensor(), at::Tensor());
#endif
}

}  // namespace xsd
