// The driving world's files (docs/world.md), in the DSEC-subset layout the
// bench reads (FACTS.md §7), one folder per split:
//
//   <dir>/train/    scene indices [0, num_train)
//   <dir>/heldout/  scene indices [kDrivingHeldOutFirstIndex, + num_heldout)
//
// each holding
//
//   EventGPT_Instruction_Subset.json  one sample per line:
//                                     [{"id": "drive_0000007", "video_data": "drive_0000007",
//                                       "event_image": ["drive_0000007.png"],
//                                       "event_image_1f": ["drive_0000007.png"],
//                                       "conversations": the questions and answers as turns}]
//   mp4/<id>.mp4                      the frames, mp4v, video_size square
//   event_image/<id>.png, event_image_1f/<id>.png   the event image (the same
//                                     bytes in both), event_size square
//   questions.json                    [{"question": ...}]: DrivingQuestionTexts()
//   world.json                        the options used, then one scene per line:
//                                     ground truth, questions and answers with
//                                     word classes
//
// Every file but the MP4s is a function of the options alone: the same
// options write the same bytes. The MP4 bytes come from OpenCV's FFmpeg
// encoder; compare decoded frames. Files are written to temporary names and
// renamed; the instruction file of a split is written last.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "xsd/media/driving_scene.h"

namespace xsd {

struct DrivingWorldOptions {
  int num_train = 1000;    // >= 0
  int num_heldout = 100;   // >= 0, at least one split non-empty
  uint64_t seed = 0;
  int video_size = 224;    // MP4 frame side (even, >= 32): Video-LLaVA's CLIP input
  int event_size = 336;    // event image side (>= 32): EventGPT's CLIP input
  int frames = 8;          // frames per clip (2..kDrivingFrames); events span all of them
  double fps = 8.0;
};

inline constexpr char kDrivingTrainDir[] = "train";
inline constexpr char kDrivingHeldOutDir[] = "heldout";
inline constexpr char kDrivingWorldFile[] = "world.json";

// Writes both splits under `dir` (created if missing). Errors name the
// option or file at fault; an OpenCV without an MP4 encoder is Unavailable.
absl::Status WriteDrivingWorld(const std::string& dir, const DrivingWorldOptions& options);

}  // namespace xsd
