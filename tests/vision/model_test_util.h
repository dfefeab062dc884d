// Test helpers: tiny random checkpoints written by the library's own writer
// into a per-process scratch directory, and the test tokenizer.
#pragma once

#include <filesystem>
#include <string>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "support/scratch_dir.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/weights_map.h"
#include "xsd/vision/random_checkpoint.h"
#include "xsd_catch.h"

namespace xsd {
namespace testing {

inline std::string TestTokenizerDir() { return std::string(XSD_TEST_DATA_DIR) + "/tokenizer/llama"; }

// `name` inside one scratch directory shared by the whole process (the tiny
// checkpoints are written once and reused across test cases), removed when
// the test binary exits.
inline std::string TempPath(const std::string& name) {
  static const ScratchDir dir("vision_tests");
  return dir.File(name);
}

// Writes (once per process) a tiny checkpoint of `preset` in `layout`.
inline std::string TinyCheckpoint(const std::string& preset, const std::string& layout = "hub", uint64_t seed = 7) {
  const std::string dir = TempPath(absl::StrCat(preset, "_", layout, "_", seed));
  if (!std::filesystem::exists(std::filesystem::path(dir) / "config.json")) {
    RandomCheckpointOptions options;
    options.preset = preset;
    options.out_dir = dir;
    options.layout = layout;
    options.seed = seed;
    options.tokenizer_dir = TestTokenizerDir();
    const absl::Status status = WriteRandomCheckpoint(options);
    INFO(status.ToString());
    REQUIRE(status.ok());
  }
  return dir;
}

// A checkpoint's tensors in an editable in-memory source (float32, CPU,
// with the LLaMA layout aliases).
inline std::unique_ptr<MapWeightSource> MapOf(const std::string& dir) {
  WeightSourceOptions options;
  options.aliases = LlamaLayoutAliases();
  auto map = std::make_unique<MapWeightSource>(options, "edited");
  auto reader = CheckpointReader::Open(dir);
  REQUIRE(reader.ok());
  for (const std::string& name : (*reader)->Names()) map->Set(name, (*reader)->Get(name).value().clone());
  return map;
}

inline double MaxDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace testing
}  // namespace xsd
