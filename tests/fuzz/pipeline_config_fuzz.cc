// Fuzzes .pbtxt pipeline configs: ParsePipelineConfig, then, on a config
// that parses, ValidatePipelineConfig and the scheduler options it yields.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "xsd/config/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string source = "fuzz.pbtxt";
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = xsd::ParsePipelineConfig(text, source);
  xsd::fuzz::ExpectNamesFile(config.status(), source);
  if (!config.ok()) return 0;
  if (xsd::ValidatePipelineConfig(*config).ok()) xsd::SchedulerOptionsFromConfig(*config);
  return 0;
}
