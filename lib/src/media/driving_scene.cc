// Scene ground truth of the driving world and its geometry: classes' sizes
// and drawings, motion per frame, and the seeded placement that keeps
// objects inside the frame, in their lanes and apart from each other.
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"

#include "media/driving_geometry.h"
#include "xsd/base/rng.h"
#include "xsd/media/driving_scene.h"

namespace xsd {

using driving_internal::Box;

const char* DrivingName(DrivingClass v) {
  static const char* const kNames[] = {"car", "truck", "bus", "pedestrian", "cyclist"};
  return kNames[static_cast<int>(v)];
}
const char* DrivingName(DrivingColor v) {
  static const char* const kNames[] = {"red", "blue", "green", "yellow", "white", "black"};
  return kNames[static_cast<int>(v)];
}
const char* DrivingName(DrivingLane v) {
  static const char* const kNames[] = {"left", "center", "right"};
  return kNames[static_cast<int>(v)];
}
const char* DrivingName(DrivingMotion v) {
  static const char* const kNames[] = {"left", "right", "toward", "away", "stopped"};
  return kNames[static_cast<int>(v)];
}
const char* DrivingName(DrivingSpeed v) { return v == DrivingSpeed::kSlow ? "slow" : "fast"; }
const char* DrivingName(DrivingLight v) { return v == DrivingLight::kDay ? "day" : "night"; }

int DrivingScene::CountOf(DrivingClass c) const {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(),
                                        [c](const DrivingObject& o) { return o.object_class == c; }));
}

int DrivingScene::NumMoving() const {
  return static_cast<int>(std::count_if(objects.begin(), objects.end(),
                                        [](const DrivingObject& o) { return o.motion != DrivingMotion::kStopped; }));
}

namespace driving_internal {

ClassSize SizeOf(DrivingClass c) {
  switch (c) {
    case DrivingClass::kCar: return {0.22, 0.12};
    case DrivingClass::kTruck: return {0.30, 0.17};
    case DrivingClass::kBus: return {0.34, 0.22};
    case DrivingClass::kPedestrian: return {0.07, 0.20};
    case DrivingClass::kCyclist: return {0.16, 0.18};
  }
  return {0.22, 0.12};
}

const std::vector<Part>& PartsOf(DrivingClass c) {
  // Car: body, cabin towards the rear, one window, two wheels.
  static const std::vector<Part> kCar = {{0.00, 0.40, 1.00, 0.82, false}, {0.18, 0.00, 0.70, 0.42, false},
                                         {0.28, 0.10, 0.62, 0.34, true},  {0.12, 0.72, 0.32, 1.00, true},
                                         {0.68, 0.72, 0.88, 1.00, true}};
  // Truck: long cargo box, lower cab in front with a window, three wheels.
  static const std::vector<Part> kTruck = {{0.00, 0.00, 0.70, 0.84, false}, {0.74, 0.30, 1.00, 0.84, false},
                                           {0.80, 0.38, 0.94, 0.56, true},  {0.08, 0.76, 0.22, 1.00, true},
                                           {0.46, 0.76, 0.60, 1.00, true},  {0.80, 0.76, 0.94, 1.00, true}};
  // Bus: tall long box, a row of three windows, two wheels.
  static const std::vector<Part> kBus = {{0.00, 0.00, 1.00, 0.86, false}, {0.05, 0.14, 0.30, 0.42, true},
                                         {0.37, 0.14, 0.63, 0.42, true},  {0.70, 0.14, 0.95, 0.42, true},
                                         {0.12, 0.80, 0.26, 1.00, true},  {0.74, 0.80, 0.88, 1.00, true}};
  // Pedestrian: head (towards the front), body, legs.
  static const std::vector<Part> kPedestrian = {{0.30, 0.00, 0.90, 0.17, false},
                                                {0.00, 0.20, 1.00, 0.62, false},
                                                {0.10, 0.62, 0.90, 1.00, false}};
  // Cyclist: head, torso, frame, two wheels.
  static const std::vector<Part> kCyclist = {{0.44, 0.00, 0.68, 0.16, false}, {0.30, 0.14, 0.66, 0.58, false},
                                             {0.12, 0.52, 0.88, 0.68, false}, {0.00, 0.64, 0.32, 1.00, true},
                                             {0.68, 0.64, 1.00, 1.00, true}};
  switch (c) {
    case DrivingClass::kCar: return kCar;
    case DrivingClass::kTruck: return kTruck;
    case DrivingClass::kBus: return kBus;
    case DrivingClass::kPedestrian: return kPedestrian;
    case DrivingClass::kCyclist: return kCyclist;
  }
  return kCar;
}

double StepOf(const DrivingObject& o) {
  if (o.motion == DrivingMotion::kStopped) return 0.0;
  return o.speed == DrivingSpeed::kFast ? kFastStep : kSlowStep;
}

Box ObjectBox(const DrivingObject& o, int t) {
  const double d = StepOf(o) * t;
  double x = o.x;
  double y = o.bottom;
  switch (o.motion) {
    case DrivingMotion::kLeft: x -= d; break;
    case DrivingMotion::kRight: x += d; break;
    // Closer or farther along the road: the road coordinate stays.
    case DrivingMotion::kToward: y += d; x = 0.5 + RoadX(o.x, o.bottom) * y; break;
    case DrivingMotion::kAway: y -= d; x = 0.5 + RoadX(o.x, o.bottom) * y; break;
    case DrivingMotion::kStopped: break;
  }
  const ClassSize size = SizeOf(o.object_class);
  const double w = size.width * y;
  const double h = size.height * y;
  return {x - w / 2, y - h, x + w / 2, y};
}

}  // namespace driving_internal

namespace {

using namespace driving_internal;

double Between(Rng& rng, double lo, double hi) { return lo + (hi - lo) * rng.Uniform(); }

// Road-coordinate interval of a lane, kept off its borders.
std::pair<double, double> LaneInterval(DrivingLane lane) {
  constexpr double kMargin = 0.02;
  const double lo = -0.5 + static_cast<int>(lane) / 3.0;
  return {lo + kMargin, lo + 1.0 / 3.0 - kMargin};
}

// The box covering the object, outline included, over the world's clip.
Box SweptBox(const DrivingObject& o) {
  Box s = ObjectBox(o, 0);
  for (int t = 1; t < kDrivingFrames; ++t) {
    const Box b = ObjectBox(o, t);
    s = {std::min(s.left, b.left), std::min(s.top, b.top), std::max(s.right, b.right), std::max(s.bottom, b.bottom)};
  }
  return {s.left - kOutline, s.top - kOutline, s.right + kOutline, s.bottom + kOutline};
}

// Boxes closer than one outline width touch.
bool Apart(const Box& a, const Box& b) {
  return a.right + kOutline <= b.left || b.right + kOutline <= a.left || a.bottom + kOutline <= b.top ||
         b.bottom + kOutline <= a.top;
}

// Draws a position for `o` (bottom, x) inside its lane and the frame over the
// clip; false when the draw leaves the frame or touches a placed object.
bool TryPlace(Rng& rng, const std::vector<Box>& placed, DrivingObject* o) {
  const double travel = StepOf(*o) * (kDrivingFrames - 1);
  double lo = kMinBottom, hi = kMaxBottom;
  if (o->motion == DrivingMotion::kToward) hi -= travel;
  if (o->motion == DrivingMotion::kAway) lo += travel;
  o->bottom = Between(rng, lo, hi);
  auto [r_lo, r_hi] = LaneInterval(o->lane);
  // Sideways motion changes the road coordinate by travel / bottom.
  if (o->motion == DrivingMotion::kRight) r_hi -= travel / o->bottom;
  if (o->motion == DrivingMotion::kLeft) r_lo += travel / o->bottom;
  o->x = 0.5 + Between(rng, r_lo, r_hi) * o->bottom;
  const Box swept = SweptBox(*o);
  if (swept.left < 0 || swept.right > 1 || swept.top < 0 || swept.bottom > 1) return false;
  return std::all_of(placed.begin(), placed.end(), [&](const Box& b) { return Apart(b, swept); });
}

}  // namespace

DrivingScene MakeDrivingScene(uint64_t seed, int index) {
  constexpr uint64_t kWorldTag = 0x776f726c64ull;  // "world"
  Rng rng(MixHash(MixHash(seed, kWorldTag), static_cast<uint64_t>(index)));
  DrivingScene scene;
  scene.seed = seed;
  scene.index = index;
  scene.light = rng.Below(2) ? DrivingLight::kNight : DrivingLight::kDay;
  const int count = 1 + static_cast<int>(rng.Below(3));
  std::array<int, 3> lanes = {0, 1, 2};
  for (int i = 2; i > 0; --i) std::swap(lanes[i], lanes[rng.Below(static_cast<uint64_t>(i + 1))]);

  std::vector<Box> placed;
  for (int i = 0; i < count; ++i) {
    DrivingObject o;
    o.object_class = static_cast<DrivingClass>(rng.Below(5));
    o.color = static_cast<DrivingColor>(rng.Below(6));
    o.lane = static_cast<DrivingLane>(lanes[i]);
    o.motion = static_cast<DrivingMotion>(rng.Below(5));
    o.speed = o.motion == DrivingMotion::kStopped ? DrivingSpeed::kSlow : static_cast<DrivingSpeed>(rng.Below(2));
    // An object that finds no free place is left out (ground truth is what is drawn).
    constexpr int kAttempts = 64;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      if (TryPlace(rng, placed, &o)) {
        placed.push_back(SweptBox(o));
        scene.objects.push_back(o);
        break;
      }
    }
  }
  std::sort(scene.objects.begin(), scene.objects.end(),
            [](const DrivingObject& a, const DrivingObject& b) { return a.lane < b.lane; });
  return scene;
}

std::string DrivingSceneId(int index) { return absl::StrFormat("drive_%07d", index); }

}  // namespace xsd
