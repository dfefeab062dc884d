// The driving world's geometry, shared by scene sampling (which keeps
// objects apart) and rendering. Lengths are fractions of the frame side.
#pragma once

#include <vector>

#include "xsd/media/driving_scene.h"

namespace xsd::driving_internal {

inline constexpr double kHorizon = 0.40;      // sky above, ground below
inline constexpr double kMinBottom = 0.62;    // objects' bottom edge stays in
inline constexpr double kMaxBottom = 0.95;    //   [kMinBottom, kMaxBottom]
inline constexpr double kOutline = 1.0 / 64;  // drawn ceil(size / 64) pixels thick
// Per-frame steps, below kOutline so that every pixel an object reaches or
// leaves passes through its black outline (the event image then carries no
// colour).
inline constexpr double kSlowStep = 0.35 / 64;
inline constexpr double kFastStep = 0.85 / 64;

// The road at image height y spans [0.5 - y / 2, 0.5 + y / 2] (its width is
// y); three lanes of equal width. A point's road coordinate r = (x - 0.5) / y
// is in [-0.5, 0.5]; lanes: left r < -1/6, center, right r > 1/6.
inline double RoadX(double x, double y) { return (x - 0.5) / y; }

struct Box {
  double left = 0, top = 0, right = 0, bottom = 0;
};

// Width and height of an object of class c whose bottom is at y = 1.
struct ClassSize {
  double width, height;
};
ClassSize SizeOf(DrivingClass c);

// The object's box (without outline) in frame t.
Box ObjectBox(const DrivingObject& o, int t);
double StepOf(const DrivingObject& o);

// One rectangle of an object's drawing, in fractions of its box, for an
// object facing right (mirrored for one moving left). `black` parts are
// drawn black over the fill (windows, wheels); the others in the object's
// colour. The union of all parts, grown by the outline, is drawn black
// first.
struct Part {
  double x0, y0, x1, y1;
  bool black;
};
const std::vector<Part>& PartsOf(DrivingClass c);

}  // namespace xsd::driving_internal
