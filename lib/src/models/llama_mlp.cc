#include "xsd/models/llama_mlp.h"

#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"

#include "fused_kernels.h"
#include "row_invariant_cpu.h"

namespace xsd {

absl::StatusOr<LlamaMlp> LlamaMlp::Load(const ScopedWeights& weights, const LlamaConfig& config) {
  const int64_t h = config.hidden_size, i = config.intermediate_size;
  XSD_ASSIGN_OR_RETURN(at::Tensor gate, weights.Take("gate_proj.weight", {i, h}));
  XSD_ASSIGN_OR_RETURN(at::Tensor up, weights.Take("up_proj.weight", {i, h}));
  LlamaMlp mlp;
  mlp.intermediate_ = i;
  XSD_ASSIGN_OR_RETURN(mlp.down_, weights.Take("down_proj.weight", {h, i}));
  at::Tensor gate_bias, up_bias;
  if (config.mlp_bias) {
    XSD_ASSIGN_OR_RETURN(gate_bias, weights.Take("gate_proj.bias", {i}));
    XSD_ASSIGN_OR_RETURN(up_bias, weights.Take("up_proj.bias", {i}));
    XSD_ASSIGN_OR_RETURN(mlp.down_bias_, weights.Take("down_proj.bias", {h}));
  }
  XSD_RETURN_IF_ERROR(TorchCall(weights.prefix() + "gate_proj/up_proj: fusing", [&]() -> absl::Status {
    mlp.gate_up_ = at::cat({gate, up}, 0).contiguous();
    if (config.mlp_bias) mlp.gate_up_bias_ = at::cat({gate_bias, up_bias}, 0).contiguous();
    return absl::OkStatus();
  }));
  return mlp;
}

#ifdef XSD_WITH_CUDA_KERNELS
namespace {

// gate/up projection and SiLU·up in one kernel, the same bits as Linear +
// SiluMul: under row-invariant numerics the skinny GEMM's SiLU form (1-64
// bf16 rows), in fast mode the GEMV's (one row). Off with the silu_gemv
// option (and the gemv option in fast mode). Undefined when the call does
// not fit.
absl::StatusOr<at::Tensor> FusedSiluGate(const at::Tensor& x, const at::Tensor& gate_up, const at::Tensor& bias,
                                         int64_t inter, const KernelOptions& options) {
  const int64_t k = x.size(-1);
  const int64_t rows = k > 0 ? x.numel() / k : 0;
  if (bias.defined() || !x.is_cuda() || k % 8 != 0 || x.scalar_type() != at::kBFloat16 ||
      gate_up.scalar_type() != at::kBFloat16 || !x.is_contiguous() || !gate_up.is_contiguous() ||
      x.device() != gate_up.device() || !options.silu_gemv || NeedsAutograd(x, gate_up)) {
    return at::Tensor();
  }
  // Row-invariant numerics: the skinny GEMM with the SiLU epilogue for 1-64
  // rows (the bits of its Linear + SiluMul); fast: the GEMV at one row.
  const bool skinny = options.row_invariant() && rows >= 1 && rows <= kRowInvariantMaxRows && k % 64 == 0 &&
                      inter % 4 == 0;
  const bool gemv = !options.row_invariant() && options.gemv && rows == 1;
  if (!skinny && !gemv) return at::Tensor();
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = inter;
  at::Tensor act = at::empty(shape, x.options());
  const char* error =
      skinny ? kernels::LaunchSkinnyGemmSiluGateBf16(x.data_ptr(), gate_up.data_ptr(), act.data_ptr(), rows, inter, k,
                                                     CurrentCudaStream(x.device()))
             : kernels::LaunchGemvSiluGateBf16(x.data_ptr(), gate_up.data_ptr(), act.data_ptr(), inter, k,
                                               CurrentCudaStream(x.device()));
  if (error == nullptr) return act;
  if (kernels::IsAlignmentError(error)) return at::Tensor();  // a misaligned view: the general path
  return absl::InternalError(absl::StrCat("fused silu-gate projection: ", error));
}

}  // namespace
#endif

absl::StatusOr<at::Tensor> LlamaMlp::Forward(const at::Tensor& x, const KernelOptions& options) const {
#ifdef XSD_WITH_CUDA_KERNELS
  XSD_ASSIGN_OR_RETURN(const at::Tensor fused, TorchCall("mlp", [&]() -> absl::StatusOr<at::Tensor> {
    return FusedSiluGate(x, gate_up_, gate_up_bias_, intermediate_, options);
  }));
  if (fused.defined()) return Linear(fused, down_, down_bias_, options);
#endif
  XSD_ASSIGN_OR_RETURN(const at::Tensor gate_up, Linear(x, gate_up_, gate_up_bias_, options));  // [T, 2I]
  XSD_ASSIGN_OR_RETURN(const at::Tensor act, TorchCall("mlp", [&]() -> absl::StatusOr<at::Tensor> {
    at::Tensor act;
#ifdef XSD_WITH_CUDA_KERNELS
    kernels::Dtype dtype;
    if (gate_up.is_cuda() && gate_up.is_contiguous() && FusedKernelDtype(gate_up, &dtype) &&
        options.silu_kernel && !NeedsAutograd(gate_up)) {
      std::vector<int64_t> shape = gate_up.sizes().vec();
      shape.back() = intermediate_;
      act = at::empty(shape, gate_up.options());
      const char* error = kernels::LaunchSiluMul(dtype, gate_up.data_ptr(), act.data_ptr(),
                                                 gate_up.numel() / (2 * intermediate_), intermediate_,
                                                 CurrentCudaStream(gate_up.device()));
      if (error != nullptr) return absl::InternalError(absl::StrCat("fused silu-mul: ", error));
    }
#endif
    if (!act.defined() && RowInvariantOnCpu(options, gate_up.numel() / gate_up.size(-1), {gate_up})) {
      act = RowInvariantSiluMulCpu(gate_up, intermediate_);
    }
    if (!act.defined()) {
      act = at::silu(gate_up.narrow(-1, 0, intermediate_)) * gate_up.narrow(-1, intermediate_, intermediate_);
    }
    return act;
  }));
  return Linear(act, down_, down_bias_, options);
}

}  // namespace xsd
