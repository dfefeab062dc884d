// Fuzzes the sharded checkpoint index (model.safetensors.index.json) read by
// CheckpointReader::Open, next to the four valid shards of
// tests/data/io/tiny_llama that a fuzzed index may name.
#include <cstdint>
#include <filesystem>
#include <string>

#include <ATen/core/Tensor.h>

#include "fuzz_util.h"
#include "xsd/io/safetensors.h"

#ifndef XSD_TEST_DATA_DIR
#error "XSD_TEST_DATA_DIR must name tests/data"
#endif

namespace {

// The scratch directory with the shards copied in, once per process.
const std::string& CheckpointDir() {
  static const std::string dir = [] {
    const std::filesystem::path src = std::filesystem::path(XSD_TEST_DATA_DIR) / "io" / "tiny_llama";
    for (const auto& entry : std::filesystem::directory_iterator(src)) {
      if (entry.path().extension() == ".safetensors") {
        std::filesystem::copy_file(entry.path(), xsd::fuzz::Scratch().File(entry.path().filename().string()),
                                   std::filesystem::copy_options::overwrite_existing);
      }
    }
    return xsd::fuzz::Scratch().path();
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string index = CheckpointDir() + "/model.safetensors.index.json";
  xsd::fuzz::WriteFile(index, data, size);
  auto reader = xsd::CheckpointReader::Open(index);
  xsd::fuzz::ExpectNamesFile(reader.status(), index);
  if (!reader.ok()) return 0;
  for (const std::string& name : (*reader)->Names()) {
    xsd::fuzz::Expect((*reader)->Find(name) != nullptr, "Find answers every name of Names()");
    auto t = (*reader)->Get(name);
    xsd::fuzz::Expect(t.ok(), "Get succeeds on every listed tensor", t.status());
  }
  return 0;
}
