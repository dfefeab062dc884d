#include "fused_kernels.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include <ATen/core/Tensor.h>

#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/numerics.h"

namespace xsd {

namespace {
std::atomic<int> row_invariant_override{-1};  // -1: the environment decides
}  // namespace

bool EnvSwitchOn(const char* env_switch) {
  const char* v = std::getenv(env_switch);
  return v != nullptr && std::strcmp(v, "1") == 0;
}

bool FusedKernelEnabled(const char* env_switch) {
  const char* v = std::getenv(env_switch);
  return v == nullptr || std::strcmp(v, "0") != 0;
}

void SetRowInvariantNumerics(bool on) { row_invariant_override.store(on ? 1 : 0); }

bool RowInvariantNumerics() {
  const int set = row_invariant_override.load();
  if (set >= 0) return set == 1;
  return EnvSwitchOn("XSD_ROW_INVARIANT");
}

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

bool SkinnyGemmEnabled() { return RowInvariantNumerics() && FusedKernelEnabled("XSD_SKINNY_GEMM"); }
#endif

}  // namespace xsd
