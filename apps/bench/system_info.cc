#include "system_info.h"

#include "xsd/device/device_info.h"
#include "xsd/kv/kv_cache_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include <torch/cuda.h>
#include <torch/version.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace xsd::bench {
namespace {

std::mutex& ProbeMutex() {
  static std::mutex mu;
  return mu;
}
DeviceProbe& Probe() {
  static DeviceProbe* probe = new DeviceProbe();
  return *probe;
}
// Largest resident bytes noted per device (guarded by ProbeMutex).
std::map<std::string, int64_t>& NotedResident() {
  static auto* noted = new std::map<std::string, int64_t>();
  return *noted;
}

// The devices as the probe or libxsd's own query sees them now (ProbeMutex held).
std::vector<DeviceInfo> DevicesNow() {
  if (Probe()) return Probe()();
  // libxsd's own probe: names, memory and the caching allocator's peaks.
  std::vector<DeviceInfo> devices;
  for (const CudaDeviceInfo& d : QueryCudaDevices()) {
    const int64_t kv = KvCachePool::ForDevice(c10::Device(d.device)).bytes_allocated();
    devices.push_back({d.device, d.name, d.total_bytes, d.peak_allocated_bytes, d.allocated_bytes, kv});
  }
  return devices;
}

// The value after "key:" on the first /proc line that starts with key.
std::string ProcField(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, key)) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return "";
}

int64_t KiloBytes(const std::string& field) {  // "123456 kB"
  int64_t kb = 0;
  const std::string number = field.substr(0, field.find(' '));
  return absl::SimpleAtoi(number, &kb) ? kb * 1024 : -1;
}

}  // namespace

void SetDeviceProbe(DeviceProbe probe) {
  std::lock_guard<std::mutex> lock(ProbeMutex());
  Probe() = std::move(probe);
}

std::vector<std::string> EnvironmentSwitches(const char* const* env) {
  static const char* const kPrefixes[] = {"XSD_", "CUBLAS_", "CUDNN_", "NCCL_", "TORCH_", "PYTORCH_"};
  std::vector<std::string> out;
  for (const char* const* e = env; e != nullptr && *e != nullptr; ++e) {
    const absl::string_view entry(*e);
    for (const char* prefix : kPrefixes) {
      if (absl::StartsWith(entry, prefix)) {
        out.emplace_back(entry);
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

SystemInfo CollectSystemInfo() {
  SystemInfo info;
  info.env_switches = EnvironmentSwitches(environ);
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) == 0) info.hostname = host;
  info.cpu_model = ProcField("/proc/cpuinfo", "model name");
  info.cpu_cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  info.host_memory_bytes = KiloBytes(ProcField("/proc/meminfo", "MemTotal"));
  // VmHWM: peak resident set size; getrusage as the fallback.
  info.peak_rss_bytes = KiloBytes(ProcField("/proc/self/status", "VmHWM"));
  if (info.peak_rss_bytes < 0) {
    struct rusage usage {};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) info.peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  }
  info.libtorch_version = TORCH_VERSION;
  try {
    info.cuda_device_count = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  } catch (...) {
    info.cuda_device_count = 0;
  }
  {
    std::lock_guard<std::mutex> lock(ProbeMutex());
    info.devices = DevicesNow();
    for (DeviceInfo& d : info.devices) {
      auto it = NotedResident().find(d.device);
      if (it != NotedResident().end() && it->second > d.resident_bytes) d.resident_bytes = it->second;
    }
  }
  info.cuda_driver = CudaDriverVersion();
#if defined(__clang__)
  info.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  info.compiler = "gcc " __VERSION__;
#endif
  return info;
}

void NoteResidentDeviceMemory() {
  std::lock_guard<std::mutex> lock(ProbeMutex());
  for (const DeviceInfo& d : DevicesNow()) {
    int64_t& noted = NotedResident().emplace(d.device, -1).first->second;
    noted = std::max(noted, d.resident_bytes);
  }
}

nlohmann::json SystemInfoToJson(const SystemInfo& info) {
  nlohmann::json devices = nlohmann::json::array();
  for (const DeviceInfo& d : info.devices) {
    devices.push_back({{"device", d.device}, {"name", d.name}, {"total_bytes", d.total_bytes}, {"peak_bytes", d.peak_bytes},
                       {"resident_bytes", d.resident_bytes}, {"kv_cache_bytes", d.kv_cache_bytes}});
  }
  return {{"hostname", info.hostname},
          {"cpu_model", info.cpu_model},
          {"cpu_cores", info.cpu_cores},
          {"host_memory_bytes", info.host_memory_bytes},
          {"peak_rss_bytes", info.peak_rss_bytes},
          {"libtorch_version", info.libtorch_version},
          {"cuda_device_count", info.cuda_device_count},
          {"devices", devices},
          {"cuda_driver", info.cuda_driver},
          {"compiler", info.compiler},
          {"env_switches", info.env_switches}};
}

}  // namespace xsd::bench
