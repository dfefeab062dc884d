// Fuzzes the bench's inputs (apps/bench/dataset.cc): each input is read as a
// DSEC dataset's instruction index (EventGPT_Instruction_Subset.json, through
// ReadDsecDataset and LoadBenchSamples) and as a questions file.
#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xsd::fuzz::ExpectNamesFile;
  const std::string& dir = xsd::fuzz::Scratch().path();
  const std::string index = dir + "/" + xsd::bench::kDsecInstructionFile;
  xsd::fuzz::WriteFile(index, data, size);

  auto scenes = xsd::bench::ReadDsecDataset(dir, "event_image", -1);
  ExpectNamesFile(scenes.status(), index);
  if (scenes.ok()) {
    for (const auto& scene : *scenes) xsd::fuzz::Expect(!scene.event_image_paths.empty(), "a scene has event images");
  }
  xsd::bench::DatasetOptions options;
  options.dataset_dir = dir;
  options.n_questions = 2;
  options.max_samples = 3;
  auto samples = xsd::bench::LoadBenchSamples(options, {"What is ahead?", "Is the road wet?"});
  ExpectNamesFile(samples.status(), index);
  if (samples.ok()) xsd::fuzz::Expect(samples->size() % 2 == 0, "every scene gets every question");

  const std::string source = "questions.json";
  auto questions = xsd::bench::ParseQuestions(std::string(reinterpret_cast<const char*>(data), size), source);
  ExpectNamesFile(questions.status(), source);
  if (questions.ok()) xsd::fuzz::Expect(!questions->empty(), "a parsed questions file is not empty");
  return 0;
}
