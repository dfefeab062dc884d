#include "config/device.h"

#include <torch/cuda.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"

namespace xsd {

int CudaDeviceCount() {
  try {
    return static_cast<int>(torch::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

absl::Status CheckDevice(const std::string& device, const std::string& field) {
  if (device == "cpu") return absl::OkStatus();
  if (device != "cuda" && !absl::StartsWith(device, "cuda:")) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unknown device \"", device,
                                                   "\"; use \"cpu\", \"cuda\" or \"cuda:N\""));
  }
  int index = 0;
  if (device.size() > 5 && !absl::SimpleAtoi(device.substr(5), &index)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": bad device index in \"", device, "\""));
  }
  const int count = CudaDeviceCount();
  if (index < 0 || index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": device ", device, " out of range (", count,
                                                   " CUDA device", count == 1 ? "" : "s", " available)"));
  }
  return absl::OkStatus();
}

}  // namespace xsd
