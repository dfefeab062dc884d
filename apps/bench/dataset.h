// The benchmark's inputs: scenes x questions turned into xsd::Requests.
//
// Two sources:
//  - a DSEC-layout dataset directory (FACTS.md §7, docs/bench.md):
//      <dir>/EventGPT_Instruction_Subset.json   [{"id", "event_image": [...], "video_data"}, ...]
//      <dir>/event_image/<file> (or event_image_1f/), <dir>/mp4/<video_data>.mp4
//  - the built-in scenes: named scenes without media, enough for pipelines of
//    mock models (they derive their prompt from the request id and question).
//    Pipelines of real models need media; the plan is to point this source at
//    a synthetic DSEC-layout dataset generated on the fly
//    (xsd/media/synthetic_scene.h, WriteSyntheticDataset) and read it with
//    ReadDsecDataset, so nothing else changes.
//
// Request ids are "<scene>/<question index>"; they key results in the JSON
// lines file, so they must be stable across runs and shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"

namespace xsd::bench {

struct BenchSample {
  std::string scene;       // dataset sample id
  int question_index = 0;  // position in the questions list
  int position = 0;        // position in the whole run (scene-major), before sharding
  Request request;         // id "<scene>/<question_index>", question, media paths, seed
};

struct DatasetOptions {
  std::string dataset_dir;                      // empty: built-in scenes
  std::string event_image_key = "event_image";  // or "event_image_1f"
  int max_samples = -1;                         // scenes; -1 = all
  int n_questions = 10;
  int builtin_scenes = 5;
  uint64_t seed = 0;                            // mixed into every request's seed
};

// Questions: a JSON list of {"question": "..."} objects (or plain strings).
// Empty path: the embedded configs/top50_questions.json.
absl::StatusOr<std::vector<std::string>> LoadQuestions(const std::string& path);
absl::StatusOr<std::vector<std::string>> ParseQuestions(const std::string& json_text, const std::string& source);

// Scene-major order: scene 0 questions 0..n-1, scene 1 ...; errors name the
// file and the entry ("<dir>/EventGPT_Instruction_Subset.json: entry 3: no 'video_data'").
absl::StatusOr<std::vector<BenchSample>> LoadBenchSamples(const DatasetOptions& options,
                                                          const std::vector<std::string>& questions);

// The DSEC reader alone (the scenes, without questions).
struct DsecScene {
  std::string id;
  std::string video_path;
  std::vector<std::string> event_image_paths;
};
absl::StatusOr<std::vector<DsecScene>> ReadDsecDataset(const std::string& dataset_dir,
                                                       const std::string& event_image_key, int max_samples);

// The name of the instruction file inside a dataset directory.
inline constexpr char kDsecInstructionFile[] = "EventGPT_Instruction_Subset.json";

}  // namespace xsd::bench
