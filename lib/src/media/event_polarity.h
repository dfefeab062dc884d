// The event camera's per-pixel rule (xsd/media/event_image.h), written once
// for RenderEventImage (cv::Mat frames) and the driving world (plain
// buffers, no OpenCV).
#pragma once

#include <cstdint>

#include "xsd/media/event_image.h"

namespace xsd::media_internal {

// (299 R + 587 G + 114 B) / 1000, integer division.
inline int EventIntensity(const uint8_t* rgb) { return (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]) / 1000; }

// +1 (brighter, red), -1 (darker, blue) or 0 (below the threshold) for a
// pixel whose intensity went from `before` to `after`.
inline int EventPolarity(int before, int after, const EventImageOptions& options) {
  const int ib = before + options.offset;
  const int ia = after + options.offset;
  if (ia * 100 > ib * options.ratio_percent) return 1;
  if (ib * 100 > ia * options.ratio_percent) return -1;
  return 0;
}

}  // namespace xsd::media_internal
