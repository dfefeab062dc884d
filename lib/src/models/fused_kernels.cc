#include "fused_kernels.h"

#include <ATen/core/Tensor.h>

#include "xsd/models/llama_rms_norm.h"

namespace xsd {

bool FusedDecoderKernels() {
#ifdef XSD_WITH_CUDA_KERNELS
  return true;
#else
  return false;
#endif
}

#ifdef XSD_WITH_CUDA_KERNELS
bool FusedKernelDtype(const at::Tensor& t, kernels::Dtype* dtype) {
  switch (t.scalar_type()) {
    case at::kFloat: *dtype = kernels::Dtype::kFloat32; return true;
    case at::kBFloat16: *dtype = kernels::Dtype::kBFloat16; return true;
    case at::kHalf: *dtype = kernels::Dtype::kFloat16; return true;
    default: return false;
  }
}
#endif

}  // namespace xsd
