#include "xsd/models/linear.h"

#include <algorithm>
#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "fused_kernels.h"
#include "row_invariant_cpu.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"

namespace xsd {

absl::StatusOr<at::Tensor> Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                                  const KernelOptions& options) {
  return TorchCall("linear", [&]() -> absl::StatusOr<at::Tensor> {
#ifdef XSD_WITH_CUDA_KERNELS
    const int64_t k = x.size(-1), n = w.size(0);
    const int64_t m = k > 0 ? x.numel() / k : 0;
    const bool bf16_ok = !b.defined() && x.is_cuda() && x.scalar_type() == at::kBFloat16 &&
                         w.scalar_type() == at::kBFloat16 && x.is_contiguous() && w.is_contiguous() &&
                         w.dim() == 2 && w.size(1) == k && x.device() == w.device() && !NeedsAutograd(x, w);
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = n;
    // Row-invariant numerics: the tensor-core kernel for up to 64 rows, one
    // row included.
    if (bf16_ok && m >= 1 && m <= kRowInvariantMaxRows && n % 8 == 0 && k % 64 == 0 && options.row_invariant()) {
      at::Tensor y = at::empty(shape, x.options());
      const char* error = kernels::LaunchSkinnyGemmBf16(x.data_ptr(), w.data_ptr(), y.data_ptr(), m, n, k,
                                                        CurrentCudaStream(x.device()));
      if (error == nullptr) return y;
      if (!kernels::IsAlignmentError(error)) return absl::InternalError(absl::StrCat("skinny gemm: ", error));
    }
    // The GEMV: one row, or under row-invariant numerics the shapes the
    // skinny GEMM does not take, in slices of kGemvMaxRows rows (each row's
    // sum is the same whatever the slice). Measured on the H200
    // (docs/PERFORMANCE.md run 4), it beats cuBLAS at m = 1 (o projection 6.8
    // vs 10.9 us) and loses from m = 2 on.
    const int64_t max_rows = options.row_invariant() ? kRowInvariantMaxRows : 1;
    if (bf16_ok && m >= 1 && m <= max_rows && k % 8 == 0 && options.gemv) {
      at::Tensor y = at::empty(shape, x.options());
      const char* error = nullptr;
      for (int64_t r = 0; r < m && error == nullptr; r += kernels::kGemvMaxRows) {
        const int64_t rows = std::min<int64_t>(kernels::kGemvMaxRows, m - r);
        error = kernels::LaunchGemvBf16(static_cast<const char*>(x.data_ptr()) + r * k * 2, w.data_ptr(),
                                        static_cast<char*>(y.data_ptr()) + r * n * 2, rows, n, k,
                                        CurrentCudaStream(x.device()));
      }
      if (error == nullptr) return y;
      if (!kernels::IsAlignmentError(error)) return absl::InternalError(absl::StrCat("gemv: ", error));
      // A misaligned view: the general path below.
    }
#endif
    const int64_t rows = x.dim() > 0 && x.size(-1) > 0 ? x.numel() / x.size(-1) : 0;
    if (w.dim() == 2 && x.dim() > 0 && w.size(1) == x.size(-1) && (!b.defined() || b.numel() == w.size(0)) &&
        RowInvariantOnCpu(options, rows, {x, w, b})) {
      return RowInvariantLinearCpu(x, w, b);
    }
    return at::linear(x, w, b);
  });
}

}  // namespace xsd
