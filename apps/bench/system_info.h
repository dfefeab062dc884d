// The machine a run measured: recorded in every report, because a wall-clock
// number means nothing without it.
//
// Device memory and names come from a hook: this file needs no CUDA headers;
// a CUDA build (or the GPU engineer's code) installs a DeviceProbe that reads
// per-device names and peak allocated bytes (e.g. from the caching allocator).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xsd::bench {

struct DeviceInfo {
  std::string device;          // "cuda:0"
  std::string name;            // "NVIDIA H200"
  int64_t total_bytes = -1;    // -1: unknown
  int64_t peak_bytes = -1;     // peak allocated during the run; -1: unknown
  // What stays allocated while a config's pipeline is loaded and warmed up
  // (weights, KV caches, rotary tables): the largest NoteResidentDeviceMemory
  // record, or what is allocated at the report when larger; and the KV
  // caches' share. peak - resident = activations, CUDA-graph pools and
  // workspaces at peak.
  int64_t resident_bytes = -1;
  int64_t kv_cache_bytes = -1;
};

using DeviceProbe = std::function<std::vector<DeviceInfo>()>;
// Installs the probe used by CollectSystemInfo (replaces any earlier one).
void SetDeviceProbe(DeviceProbe probe);

struct SystemInfo {
  std::string hostname;
  std::string cpu_model;
  int cpu_cores = 0;            // online logical CPUs
  int64_t host_memory_bytes = -1;
  int64_t peak_rss_bytes = -1;  // this process's high-water mark so far
  std::string libtorch_version;
  int cuda_device_count = 0;    // as libtorch sees it
  std::vector<DeviceInfo> devices;  // from the probe, or libxsd's QueryCudaDevices
  std::string cuda_driver;          // empty on CPU-only builds
  std::string compiler;
  // NAME=value of the environment variables that libtorch, cuBLAS, cuDNN and
  // NCCL read, and XSD_LOG_LEVEL (XSD_*, CUBLAS_*, CUDNN_*, NCCL_*, TORCH_*,
  // PYTORCH_*), sorted. libxsd itself reads none but the log level: its
  // kernel choices are the configs' KernelOptions.
  std::vector<std::string> env_switches;
};

SystemInfo CollectSystemInfo();
// The entries of `env` (a null-terminated NAME=value array, as `environ`)
// that SystemInfo::env_switches records, sorted.
std::vector<std::string> EnvironmentSwitches(const char* const* env);

// Records what is allocated on each device now; call with a pipeline loaded
// (the runner: after each config's warm-up). The pipelines are gone by the
// time the report collects SystemInfo, their weights with them.
void NoteResidentDeviceMemory();
nlohmann::json SystemInfoToJson(const SystemInfo& info);

}  // namespace xsd::bench
