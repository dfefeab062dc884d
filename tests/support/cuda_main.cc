// main() of the test executables whose every case needs a CUDA device
// (xsd_test(... CUDA_CASES) in tests/CMakeLists.txt). Where the cases cannot
// run — no CUDA device, or (XSD_CUDA_CASES_NEED_KERNELS) a build without the
// fused decoder kernels — it runs none and exits with XSD_SKIP_EXIT_CODE,
// which ctest reports as skipped (SKIP_RETURN_CODE); built with
// XSD_REQUIRE_CUDA (the GPU machine) it exits with 1 instead.
#include <iostream>
#include <string>

#include <ATen/Context.h>

#include "xsd/models/llama_rms_norm.h"

#if XSD_CATCH2_MAJOR >= 3
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

int main(int argc, char** argv) {
  std::string missing;
  if (!at::hasCUDA()) {
    missing = "no CUDA device";
  } else if (XSD_CUDA_CASES_NEED_KERNELS && !xsd::FusedDecoderKernels()) {
    missing = "this build has no fused CUDA kernels (XSD_WITH_CUDA_KERNELS off or nvcc not found)";
  }
  if (!missing.empty()) {
    std::cout << argv[0] << ": " << missing << ": none of its CUDA cases ran ("
              << (XSD_REQUIRE_CUDA ? "XSD_REQUIRE_CUDA is on: failing" : "skipped") << ")\n";
    return XSD_REQUIRE_CUDA ? 1 : XSD_SKIP_EXIT_CODE;
  }
  return Catch::Session().run(argc, argv);
}
