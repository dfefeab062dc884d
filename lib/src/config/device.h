// Device strings of the config ("cpu", "cuda", "cuda:N"), checked against the
// machine: an index beyond the CUDA devices present is an error naming the
// field.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace xsd {

// Number of CUDA devices libtorch sees (0 on CPU-only builds).
int CudaDeviceCount();

// OK when `device` names a device that exists here; `field` is the config
// path for the message ("target.device").
absl::Status CheckDevice(const std::string& device, const std::string& field);

}  // namespace xsd
