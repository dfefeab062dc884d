// Event-camera images from two ordinary frames, in the look of the DSEC event
// images EventGPT reads (FACTS.md §5): white background, pixels that got
// brighter red (255, 0, 0), pixels that got darker blue (0, 0, 255).
//
// An event camera fires where log intensity changes by more than a contrast
// threshold. Here that is decided in integers, so the same frames give the
// same image on every platform:
//   brighter  if (after + offset) * 100 > (before + offset) * ratio_percent
//   darker    if (before + offset) * 100 > (after + offset) * ratio_percent
// with intensity = (299 R + 587 G + 114 B) / 1000 (integer division); the
// offset keeps noise in near-black areas from firing.
#pragma once

#include "absl/status/statusor.h"

namespace cv {
class Mat;
}

namespace xsd {

struct EventImageOptions {
  int ratio_percent = 118;  // contrast threshold: log(1.18) ~ 0.17
  int offset = 8;           // added to both intensities (0..255 scale)
};

// `before` and `after`: RGB CV_8UC3 of one size. Returns RGB CV_8UC3.
absl::StatusOr<cv::Mat> RenderEventImage(const cv::Mat& before, const cv::Mat& after,
                                         const EventImageOptions& options = {});

}  // namespace xsd
