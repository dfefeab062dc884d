// What a run ran on: CUDA device names, memory, driver, and the caching
// allocator's peak use per device (benchmarks report peak memory per GPU).
// Empty / -1 on CPU-only builds. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xsd {

struct CudaDeviceInfo {
  std::string device;               // "cuda:0"
  std::string name;                 // "NVIDIA H200"
  int64_t total_bytes = -1;
  int64_t peak_allocated_bytes = -1;  // since the last ResetPeakMemory
  int64_t allocated_bytes = -1;       // now (weights, caches and tensors still alive)
  int64_t peak_reserved_bytes = -1;
};

std::vector<CudaDeviceInfo> QueryCudaDevices();
// "580.159.04"-style driver version and the CUDA runtime version; empty when unknown.
std::string CudaDriverVersion();
void ResetPeakMemory();

}  // namespace xsd
