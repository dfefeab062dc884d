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

TEST_CASE("System info: the environment switches in effect, and only those", "[bench][system]") {
  setenv("XSD_TEST_SWITCH", "on", 1);
  setenv("XSD_UNRELATED_NAME_TEST", "", 1);
  setenv("NOT_A_SWITCH_TEST", "1", 1);
  const SystemInfo info = CollectSystemInfo();
  const auto has = [&](const std::string& entry) {
    return std::find(info.env_switches.begin(), info.env_switches.end(), entry) != info.env_switches.end();
  };
  CHECK(has("XSD_TEST_SWITCH=on"));
  CHECK(has("XSD_UNRELATED_NAME_TEST="));
  CHECK_FALSE(has("NOT_A_SWITCH_TEST=1"));
  CHECK(std::is_sorted(info.env_switches.begin(), info.env_switches.end()));
  unsetenv("XSD_TEST_SWITCH");
  unsetenv("XSD_UNRELATED_NAME_TEST");
  unsetenv("NOT_A_SWITCH_TEST");
  const std::vector<std::string> after = CollectSystemInfo().env_switches;
  CHECK(std::find(after.begin(), after.end(), std::string("XSD_TEST_SWITCH=on")) == after.end());
}

}  // namespace
}  // namespace xsd::bench
