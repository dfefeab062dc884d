// Shared by the CUDA test cases: whether a CUDA device is present (a WARN
// names what is skipped where none is, e.g. CI).
#pragma once

#include <ATen/Context.h>

#include "xsd_catch.h"

namespace xsd::testing {

inline bool HaveCuda(const char* skipped) {
  if (at::hasCUDA()) return true;
  WARN("no CUDA device: " << skipped << " NOT checked here");
  return false;
}

}  // namespace xsd::testing
