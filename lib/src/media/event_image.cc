#include "xsd/media/event_image.h"

#include <cstdint>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "media/event_polarity.h"

namespace xsd {

using media_internal::EventIntensity;
using media_internal::EventPolarity;

absl::StatusOr<cv::Mat> RenderEventImage(const cv::Mat& before, const cv::Mat& after,
                                         const EventImageOptions& options) {
  if (before.empty() || before.type() != CV_8UC3 || after.type() != CV_8UC3 || before.size() != after.size()) {
    return absl::InvalidArgumentError(absl::StrCat("event image: need two RGB CV_8UC3 frames of one size, got ",
                                                   cv::typeToString(before.type()), " ", before.cols, "x",
                                                   before.rows, " and ", cv::typeToString(after.type()), " ",
                                                   after.cols, "x", after.rows));
  }
  if (options.ratio_percent <= 100 || options.offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat("event image: ratio_percent must be > 100 and offset >= 0, got ",
                                                   options.ratio_percent, " and ", options.offset));
  }
  cv::Mat out(before.size(), CV_8UC3, cv::Scalar(255, 255, 255));
  for (int y = 0; y < before.rows; ++y) {
    const uint8_t* b = before.ptr<uint8_t>(y);
    const uint8_t* a = after.ptr<uint8_t>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < before.cols; ++x) {
      const int polarity = EventPolarity(EventIntensity(b + 3 * x), EventIntensity(a + 3 * x), options);
      if (polarity > 0) {  // brighter: positive polarity, red
        o[3 * x + 0] = 255;
        o[3 * x + 1] = 0;
        o[3 * x + 2] = 0;
      } else if (polarity < 0) {  // darker: negative polarity, blue
        o[3 * x + 0] = 0;
        o[3 * x + 1] = 0;
        o[3 * x + 2] = 255;
      }
    }
  }
  return out;
}

}  // namespace xsd
