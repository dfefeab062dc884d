// Seeded synthetic scenes in the DSEC-subset layout (FACTS.md §7), so the
// benchmark and the tests run without the real dataset:
//
//   <dir>/EventGPT_Instruction_Subset.json  list of samples:
//        {"id": "synthetic_000",
//         "event_image": ["synthetic_000_0.png", ...],   // files in event_image/
//         "event_image_1f": ["synthetic_000.png"],       // files in event_image_1f/
//         "video_data": "synthetic_000",                 // mp4/synthetic_000.mp4
//         "conversations": [{"from": "human", "value": "<event>\n<question>"},
//                           {"from": "gpt", "value": "<what the scene shows>"}]}
//   <dir>/event_image/*.png, <dir>/event_image_1f/*.png   event-camera look
//   <dir>/mp4/<video_data>.mp4                            mp4v (MPEG-4 part 2)
//   <dir>/questions.json                                  [{"question": ...}]
//
// A scene is a street-like backdrop that pans slowly plus a few moving boxes
// and discs; everything derives from (seed, scene index) through xsd::Rng
// and integer drawing, so a second call with the same options writes
// byte-identical PNG and JSON files. The MP4 bytes come from the FFmpeg
// encoder inside OpenCV and may differ between OpenCV/FFmpeg builds (on one
// machine they have been identical run to run); the decoded frames are what
// tests should compare, with a tolerance for compression.
//
// Every file is written to a temporary name in its final folder and renamed,
// so readers never see a half-written file; the instruction JSON is written
// last. Existing files of the same names are replaced; others are left alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cv {
class Mat;
}

namespace xsd {

struct SyntheticDatasetOptions {
  int num_scenes = 4;
  int frames = 24;      // frames per MP4 (>= 2)
  int width = 320;      // even, >= 32
  int height = 240;     // even, >= 32
  double fps = 20.0;    // the research MP4s are 20 fps
  uint64_t seed = 0;
  int num_questions = 10;  // the first N (1..10) of top50_questions.json, in questions.json
  int event_frames = 1;    // event images per sample in "event_image" (1..frames-1)
};

inline constexpr char kInstructionFileName[] = "EventGPT_Instruction_Subset.json";
inline constexpr char kQuestionsFileName[] = "questions.json";

// "synthetic_007": sample id, video_data and file stem of scene 7.
std::string SyntheticSceneId(int index);

// The questions written to questions.json (the research's first ten).
const std::vector<std::string>& SyntheticQuestions();

// Writes the whole dataset into `dir` (created if missing). Errors name the
// file or option at fault; an encoder OpenCV lacks is Unavailable.
absl::Status WriteSyntheticDataset(const std::string& dir, const SyntheticDatasetOptions& options);

// One scene: immutable after construction, so Render/Describe may be called
// from several threads. Frames are RGB CV_8UC3 of the given size.
class SyntheticScene {
 public:
  SyntheticScene(uint64_t seed, int index, int width, int height);
  ~SyntheticScene();
  SyntheticScene(const SyntheticScene&) = delete;
  SyntheticScene& operator=(const SyntheticScene&) = delete;

  // Frame t (t >= 0; motion continues past the clip length).
  cv::Mat Render(int t) const;
  // One sentence naming the moving objects and the camera motion.
  std::string Describe() const;
  int num_objects() const;

 private:
  struct Layout;
  std::unique_ptr<const Layout> layout_;
};

}  // namespace xsd
