#include <opencv2/core.hpp>

#include <string>

#include "media_test_util.h"
#include "xsd/media/image.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

bool Mentions(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

TEST_CASE("LoadImageRgb returns 8-bit RGB in RGB order", "[media][image]") {
  auto rgb = LoadImageRgb(testing::MediaPath("images/wide_odd.png"));
  REQUIRE(rgb.ok());
  CHECK(rgb->type() == CV_8UC3);
  CHECK(rgb->cols == 517);
  CHECK(rgb->rows == 301);
  // The fixture paints a disc of RGB (250, 30, 40) centred at (w / 3, h / 2).
  CHECK(rgb->at<cv::Vec3b>(150, 172) == cv::Vec3b(250, 30, 40));
  // Top-left corner: R = 0 (x gradient), G = 0 (y gradient), B = 37 * salt(1) % 256.
  CHECK(rgb->at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 37));
}

TEST_CASE("LoadImageRgb converts grayscale and drops alpha", "[media][image]") {
  auto gray = LoadImageRgb(testing::MediaPath("images/gray.png"));
  REQUIRE(gray.ok());
  REQUIRE(gray->type() == CV_8UC3);
  CHECK(gray->cols == 401);
  CHECK(gray->rows == 257);
  std::vector<cv::Mat> planes;
  cv::split(*gray, planes);
  CHECK(cv::norm(planes[0], planes[1], cv::NORM_INF) == 0);
  CHECK(cv::norm(planes[0], planes[2], cv::NORM_INF) == 0);

  auto alpha = LoadImageRgb(testing::MediaPath("images/alpha.png"));
  REQUIRE(alpha.ok());
  CHECK(alpha->type() == CV_8UC3);
  // Alpha there is 85 of 255; the colour must survive untouched (no
  // compositing onto a background): the disc colour again, at (w / 3, h / 2).
  CHECK(alpha->at<cv::Vec3b>(65, 32) == cv::Vec3b(250, 30, 40));
}

TEST_CASE("LoadImageRgb errors name the path", "[media][image]") {
  testing::ScratchDir dir("media_image_io");
  const std::string missing = dir.File("missing.png");
  auto a = LoadImageRgb(missing);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == absl::StatusCode::kNotFound);
  CHECK(Mentions(a.status(), missing));

  const std::string text = dir.File("not_an_image.png");
  testing::WriteWholeFile(text, "this is plain text, not a PNG\n");
  auto b = LoadImageRgb(text);
  REQUIRE_FALSE(b.ok());
  CHECK(Mentions(b.status(), text));

  const std::string empty = dir.File("empty.jpg");
  testing::WriteWholeFile(empty, "");
  auto c = LoadImageRgb(empty);
  REQUIRE_FALSE(c.ok());
  CHECK(Mentions(c.status(), empty));

  // A PNG cut in half: the decoder must not hand back a partial image silently.
  const std::string cut = dir.File("truncated.png");
  const std::string png = testing::ReadWholeFile(testing::MediaPath("images/large.png"));
  testing::WriteWholeFile(cut, png.substr(0, png.size() / 2));
  auto d = LoadImageRgb(cut);
  REQUIRE_FALSE(d.ok());
  CHECK(Mentions(d.status(), cut));

  CHECK_FALSE(LoadImageRgb(dir.path()).ok());  // a directory
}

}  // namespace
}  // namespace xsd
