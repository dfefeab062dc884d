#include "xsd/device/device_info.h"

#include "absl/strings/str_cat.h"

#ifdef XSD_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace xsd {

#ifdef XSD_WITH_CUDA

std::vector<CudaDeviceInfo> QueryCudaDevices() {
  std::vector<CudaDeviceInfo> out;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return out;
  for (int i = 0; i < count; ++i) {
    CudaDeviceInfo d;
    d.device = absl::StrCat("cuda:", i);
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) {
      d.name = prop.name;
      d.total_bytes = static_cast<int64_t>(prop.totalGlobalMem);
    }
    try {
      const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(i));
      d.peak_allocated_bytes = stats.allocated_bytes[0].peak;  // StatType::AGGREGATE
      d.allocated_bytes = stats.allocated_bytes[0].current;
      d.peak_reserved_bytes = stats.reserved_bytes[0].peak;
    } catch (...) {
      // The allocator was never initialised on this device: nothing allocated.
    }
    out.push_back(d);
  }
  return out;
}

std::string CudaDriverVersion() {
  int driver = 0, runtime = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess) return "";
  cudaRuntimeGetVersion(&runtime);
  return absl::StrCat("driver API ", driver / 1000, ".", (driver % 1000) / 10, ", runtime ", runtime / 1000, ".",
                      (runtime % 1000) / 10);
}

void ResetPeakMemory() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return;
  for (int i = 0; i < count; ++i) {
    try {
      c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(i));
    } catch (...) {
    }
  }
}

#else

std::vector<CudaDeviceInfo> QueryCudaDevices() { return {}; }
std::string CudaDriverVersion() { return ""; }
void ResetPeakMemory() {}

#endif

}  // namespace xsd
