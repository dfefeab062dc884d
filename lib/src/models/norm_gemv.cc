#include "xsd/models/norm_gemv.h"

#include <vector>

#include "fused_kernels.h"

#ifdef XSD_WITH_CUDA_KERNELS
#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/torch_status.h"
#include "xsd/device/cuda_graph.h"
#endif

namespace xsd {

#ifdef XSD_WITH_CUDA_KERNELS
static_assert(kNormGemvMaxWidth == kernels::kNormGemvMaxWidth);
#endif

bool NormGemvInDecode() { return EnvSwitchOn("XSD_NORM_GEMV"); }

absl::StatusOr<NormedProjection> NormThenGemv(const RmsNorm& norm, const at::Tensor& x, const at::Tensor& residual,
                                              const at::Tensor& w, int64_t silu_inter) {
#ifdef XSD_WITH_CUDA_KERNELS
  const int64_t k = x.dim() >= 1 ? x.size(-1) : 0;
  const auto bf16_row = [&](const at::Tensor& t) {
    return t.is_cuda() && t.scalar_type() == at::kBFloat16 && t.is_contiguous() && t.device() == x.device();
  };
  const bool fits =
      k > 0 && x.numel() == k && k % 8 == 0 && k <= kNormGemvMaxWidth && bf16_row(x) && bf16_row(w) &&
      w.dim() == 2 && w.size(1) == k && (silu_inter == 0 || w.size(0) == 2 * silu_inter) &&
      bf16_row(norm.weight()) && norm.weight().numel() == k &&
      (!residual.defined() || (bf16_row(residual) && residual.sizes() == x.sizes())) &&
      FusedKernelEnabled("XSD_GEMV") &&
      (silu_inter == 0 || FusedKernelEnabled("XSD_SILU_GEMV")) && !SkinnyGemmEnabled();
  if (!fits) return NormedProjection{};
  return TorchCall("norm + gemv", [&]() -> absl::StatusOr<NormedProjection> {
    NormedProjection out;
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = silu_inter > 0 ? silu_inter : w.size(0);
    out.y = at::empty(shape, x.options());
    out.sum = residual.defined() ? at::empty_like(x) : x;
    kernels::RmsNormInput in;
    in.weight = norm.weight().data_ptr();
    in.eps = static_cast<float>(norm.eps());
    if (residual.defined()) {
      in.residual = residual.data_ptr();
      in.sum_out = out.sum.data_ptr();
    }
    void* stream = CurrentCudaStream(x.device());
    const char* error =
        silu_inter > 0
            ? kernels::LaunchRmsNormGemvSiluGateBf16(x.data_ptr(), in, w.data_ptr(), out.y.data_ptr(), silu_inter, k,
                                                     stream)
            : kernels::LaunchRmsNormGemvBf16(x.data_ptr(), in, w.data_ptr(), out.y.data_ptr(), w.size(0), k, stream);
    if (error == nullptr) return out;
    if (kernels::IsAlignmentError(error)) return NormedProjection{};  // a misaligned view: the caller's path
    return absl::InternalError(absl::StrCat("norm + gemv kernel: ", error));
  });
#else
  (void)norm, (void)x, (void)residual, (void)w, (void)silu_inter;
  return NormedProjection{};
#endif
}

}  // namespace xsd
