#include <filesystem>
#include <system_error>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "xsd/media/image.h"

namespace xsd {

absl::StatusOr<cv::Mat> LoadImageRgb(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such image file"));
  }
  cv::Mat bgr;
  try {
    // IMREAD_COLOR replicates grey, drops alpha and reduces 16-bit to 8-bit;
    // EXIF orientation is ignored because PIL (and so the HF processor) does
    // not apply it either.
    bgr = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot decode image: ", e.what()));
  }
  if (bgr.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable image (unknown format, truncated or empty)"));
  }
  if (bgr.type() != CV_8UC3) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": decoded to unexpected type ", cv::typeToString(bgr.type())));
  }
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace xsd
