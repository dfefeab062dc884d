// The device memory split of the report: resident bytes are the largest
// amount noted while a pipeline was loaded, not what is left at the report.
#include "system_info.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "xsd_catch.h"

namespace xsd::bench {
namespace {

TEST_CASE("System info: resident device memory is the largest noted while pipelines lived", "[bench][system]") {
  int64_t allocated = 100;
  SetDeviceProbe([&] {
    DeviceInfo d;
    d.device = "probe:7";
    d.name = "test device";
    d.total_bytes = 1000;
    d.peak_bytes = 600;
    d.resident_bytes = allocated;
    d.kv_cache_bytes = 20;
    return std::vector<DeviceInfo>{d};
  });
  NoteResidentDeviceMemory();  // a pipeline with 100 bytes of weights and caches
  allocated = 300;
  NoteResidentDeviceMemory();  // a larger one
  allocated = 10;              // both freed before the report
  SystemInfo info = CollectSystemInfo();
  REQUIRE(info.devices.size() == 1);
  CHECK(info.devices[0].resident_bytes == 300);
  CHECK(info.devices[0].kv_cache_bytes == 20);
  CHECK(info.devices[0].peak_bytes == 600);
  allocated = 450;  // more allocated at the report than ever noted: that counts
  info = CollectSystemInfo();
  CHECK(info.devices[0].resident_bytes == 450);
  SetDeviceProbe(DeviceProbe());
}

TEST_CASE("System info: the environment variables that change kernels, and only those", "[bench][system]") {
  const char* const env[] = {"PATH=/usr/bin", "XSD_LOG_LEVEL=debug", "CUBLAS_WORKSPACE_CONFIG=:4096:8",
                             "XSD_UNRELATED_NAME_TEST=", "NOT_A_SWITCH_TEST=1", "TORCH_SHOW_CPP_STACKTRACES=1",
                             nullptr};
  const std::vector<std::string> got = EnvironmentSwitches(env);
  CHECK(got == std::vector<std::string>{"CUBLAS_WORKSPACE_CONFIG=:4096:8", "TORCH_SHOW_CPP_STACKTRACES=1",
                                        "XSD_LOG_LEVEL=debug", "XSD_UNRELATED_NAME_TEST="});
  const char* const none[] = {nullptr};
  CHECK(EnvironmentSwitches(none).empty());
  CHECK(EnvironmentSwitches(nullptr).empty());
}

}  // namespace
}  // namespace xsd::bench
