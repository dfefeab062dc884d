#include "xsd/models/linear.h"

#include <cstring>
#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "fused_kernels.h"
#include "xsd/base/torch_status.h"
#include "xsd/device/cuda_graph.h"

namespace xsd {

absl::StatusOr<at::Tensor> Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return TorchCall("linear", [&]() -> absl::StatusOr<at::Tensor> {
#ifdef XSD_WITH_CUDA_KERNELS
    const int64_t k = x.size(-1), n = w.size(0);
    const int64_t m = k > 0 ? x.numel() / k : 0;
    // One row only: measured on the H200 (docs/PERFORMANCE.md run 4), the
    // kernel beats cuBLAS at m = 1 (o projection 6.8 vs 10.9 us) and loses
    // from m = 2 on.
    if (m == 1 && !b.defined() && x.is_cuda() && x.scalar_type() == at::kBFloat16 &&
        w.scalar_type() == at::kBFloat16 && x.is_contiguous() && w.is_contiguous() && w.dim() == 2 &&
        w.size(1) == k && k % 8 == 0 && x.device() == w.device() && FusedKernelEnabled("XSD_GEMV")) {
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
