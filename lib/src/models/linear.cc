#include "xsd/models/linear.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "fused_kernels.h"
#include "xsd/base/torch_status.h"
#include "xsd/device/cuda_graph.h"

namespace xsd {

#ifdef XSD_WITH_CUDA_KERNELS
namespace {

bool GemvEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("XSD_GEMV");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return enabled;
}

}  // namespace
#endif

absl::StatusOr<at::Tensor> Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return TorchCall("linear", [&]() -> absl::StatusOr<at::Tensor> {
#ifdef XSD_WITH_CUDA_KERNELS
    const int64_t k = x.size(-1), n = w.size(0);
    const int64_t m = k > 0 ? x.numel() / k : 0;
    if (GemvEnabled() && !b.defined() && x.is_cuda() && x.scalar_type() == at::kBFloat16 &&
        w.scalar_type() == at::kBFloat16 && x.is_contiguous() && w.is_contiguous() && w.dim() == 2 &&
        w.size(1) == k && m >= 1 && m <= kernels::kGemvMaxRows && k % 8 == 0 && x.device() == w.device()) {
      std::vector<int64_t> shape = x.sizes().vec();
      shape.back() = n;
      at::Tensor y = at::empty(shape, x.options());
      const char* error =
          kernels::LaunchGemvBf16(x.data_ptr(), w.data_ptr(), y.data_ptr(), m, n, k, CurrentCudaStream(x.device()));
      if (error == nullptr) return y;
      if (std::strstr(error, "aligned") == nullptr) return absl::InternalError(absl::StrCat("gemv: ", error));
      // A misaligned view: the general path below.
    }
#endif
    return at::linear(x, w, b);
  });
}

}  // namespace xsd
