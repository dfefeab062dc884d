// The driving world (docs/world.md): seeded street scenes with ground truth,
// seen by the target as 8 RGB video frames and by the drafter as one
// event-camera image. The event image shows motion and outlines only: it is
// byte-identical whatever the objects' colours and the light, and stopped
// objects leave no trace in it.
//
// Everything here is plain arithmetic on uint8 buffers (no OpenCV), so it
// runs in every build, the GPU machine's included; the files of the world
// (MP4, PNG, JSON) are written by driving_world.h (OpenCV builds).
//
// Geometry is in fractions of the frame side, so one scene renders the same
// at any size; a square frame of side S draws outlines ceil(S / 64) pixels
// thick, and no edge moves farther than that between two frames.
#pragma once

#include <string>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

enum class DrivingClass { kCar, kTruck, kBus, kPedestrian, kCyclist };
enum class DrivingColor { kRed, kBlue, kGreen, kYellow, kWhite, kBlack };
enum class DrivingLane { kLeft, kCenter, kRight };
// Image directions: kLeft/kRight across the frame, kToward (closer: lower
// and larger) and kAway (farther: higher and smaller).
enum class DrivingMotion { kLeft, kRight, kToward, kAway, kStopped };
enum class DrivingSpeed { kSlow, kFast };
enum class DrivingLight { kDay, kNight };

// Lower-case names as the answers spell them: "car", "red", "center",
// "toward", "slow", "night".
const char* DrivingName(DrivingClass v);
const char* DrivingName(DrivingColor v);
const char* DrivingName(DrivingLane v);
const char* DrivingName(DrivingMotion v);
const char* DrivingName(DrivingSpeed v);
const char* DrivingName(DrivingLight v);

struct DrivingObject {
  DrivingClass object_class = DrivingClass::kCar;
  DrivingColor color = DrivingColor::kRed;
  DrivingLane lane = DrivingLane::kCenter;  // the lane its centre is in, in every frame
  DrivingMotion motion = DrivingMotion::kStopped;
  DrivingSpeed speed = DrivingSpeed::kSlow;  // kSlow for stopped objects (not used for them)
  // Frame 0, in fractions of the frame side: centre x and bottom y. The
  // apparent size is proportional to `bottom` (perspective).
  double x = 0.5;
  double bottom = 0.8;
};

struct DrivingScene {
  uint64_t seed = 0;
  int index = 0;
  DrivingLight light = DrivingLight::kDay;
  std::vector<DrivingObject> objects;  // 1..3, one per lane, ordered left to right

  int CountOf(DrivingClass c) const;
  int NumMoving() const;
};

// Frames of the world's clips; MakeDrivingScene keeps objects apart and
// inside their lanes over this many frames.
inline constexpr int kDrivingFrames = 8;
// Scene indices [0, kDrivingHeldOutFirstIndex) are for training, indices
// from kDrivingHeldOutFirstIndex on are held out.
inline constexpr int kDrivingHeldOutFirstIndex = 1000000;

// Scene `index` of world `seed`: everything drawn from xsd::Rng seeded by
// (seed, index), so the same pair gives the same scene everywhere.
DrivingScene MakeDrivingScene(uint64_t seed, int index);

// RGB uint8 frames [frames, size, size, 3] (contiguous, CPU). frames >= 1,
// size >= 32; InvalidArgument otherwise. Motion continues past frame 7 at
// the same speed (objects may then leave their lanes).
absl::StatusOr<at::Tensor> RenderDrivingVideo(const DrivingScene& scene, int frames, int size);

// The event-camera image [size, size, 3] uint8 of the first `frames`
// frames (FACTS.md §5 look): white, with each pixel coloured by the last
// brightness change it saw between consecutive frames (red (255, 0, 0)
// brighter, blue (0, 0, 255) darker; the threshold of EventImageOptions'
// defaults, xsd/media/event_image.h). frames >= 2.
absl::StatusOr<at::Tensor> RenderDrivingEventImage(const DrivingScene& scene, int size, int frames = kDrivingFrames);

// What the models read, without files: the frames or the event image
// rendered at `size` and CLIP-normalised (the PIL processor's arithmetic,
// no resize because the render is already `size`): float32
// [frames, 3, size, size] and [1, 3, size, size]. The event pixels equal
// LoadEventPixels({png}, size) bit for bit for the PNG the world writer
// writes at `size`; the video pixels equal LoadVideoPixels of its MP4 up to
// compression.
absl::StatusOr<at::Tensor> DrivingVideoPixels(const DrivingScene& scene, int size, int frames = kDrivingFrames);
absl::StatusOr<at::Tensor> DrivingEventPixels(const DrivingScene& scene, int size, int frames = kDrivingFrames);

// "drive_0000007" for scene index 7.
std::string DrivingSceneId(int index);

}  // namespace xsd
