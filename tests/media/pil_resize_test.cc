#include "media/pil_resize.h"

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "media_test_util.h"
#include "xsd/media/image.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Bicubic resize equals PIL's and torchvision's exactly", "[media][resize]") {
  const nlohmann::json manifest = testing::MediaManifest();
  REQUIRE(manifest["resize_references"].size() >= 10);
  int per_flavor[2] = {0, 0};
  for (const auto& ref : manifest["resize_references"]) {
    const std::string image = ref["image"];
    const int w = ref["width"];
    const int h = ref["height"];
    const std::string flavor_name = ref["flavor"];
    REQUIRE((flavor_name == "pil" || flavor_name == "torchvision"));
    const BicubicFlavor flavor = flavor_name == "pil" ? BicubicFlavor::kPillow : BicubicFlavor::kTorchvision;
    ++per_flavor[flavor == BicubicFlavor::kPillow ? 0 : 1];
    INFO(image << " -> " << w << "x" << h << " vs " << std::string(ref["source"]));
    auto rgb = LoadImageRgb(testing::MediaPath(image));
    REQUIRE(rgb.ok());
    auto out = ResizeBicubicAntialiased(*rgb, w, h, flavor);
    REQUIRE(out.ok());
    REQUIRE(out->rows == h);
    REQUIRE(out->cols == w);
    REQUIRE(out->type() == CV_8UC3);
    const std::vector<uint8_t> expected = testing::ReadRaw<uint8_t>(testing::MediaPath(ref["file"]));
    REQUIRE(expected.size() == static_cast<size_t>(w) * h * 3);
    int max_diff = 0;
    int mismatches = 0;
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = out->ptr<uint8_t>(y);
      for (int i = 0; i < w * 3; ++i) {
        const int d = std::abs(int(row[i]) - int(expected[static_cast<size_t>(y) * w * 3 + i]));
        max_diff = std::max(max_diff, d);
        mismatches += d != 0;
      }
    }
    INFO("max |diff| " << max_diff << ", mismatching values " << mismatches);
    CHECK(max_diff == 0);
  }
  CHECK(per_flavor[0] >= 5);
  CHECK(per_flavor[1] >= 5);
}

TEST_CASE("The two bicubic flavours differ, by a grey level or two", "[media][resize]") {
  // Coarser int16 weights round differently: never far, but not nowhere.
  auto rgb = LoadImageRgb(testing::MediaPath("images/large.png"));
  REQUIRE(rgb.ok());
  auto pil = ResizeBicubicAntialiased(*rgb, 298, 224, BicubicFlavor::kPillow);
  auto tv = ResizeBicubicAntialiased(*rgb, 298, 224, BicubicFlavor::kTorchvision);
  REQUIRE(pil.ok());
  REQUIRE(tv.ok());
  const double max_diff = cv::norm(*pil, *tv, cv::NORM_INF);
  CHECK(max_diff >= 1);
  CHECK(max_diff <= 2);
}

TEST_CASE("Shortest-edge output size truncates the long side like transformers", "[media][resize]") {
  // Hand-computed: int(size * long / short).
  CHECK(ShortestEdgeResizeSize({301, 517}, 224) == ImageSize{224, 384});  // 115808 / 301 = 384.74
  CHECK(ShortestEdgeResizeSize({479, 263}, 224) == ImageSize{407, 224});  // 107296 / 263 = 407.97
  CHECK(ShortestEdgeResizeSize({97, 150}, 336) == ImageSize{336, 519});   // 50400 / 97 = 519.59
  CHECK(ShortestEdgeResizeSize({240, 320}, 224) == ImageSize{224, 298});  // 71680 / 240 = 298.67
  CHECK(ShortestEdgeResizeSize({100, 100}, 224) == ImageSize{224, 224});
  CHECK(ShortestEdgeResizeSize({224, 500}, 224) == ImageSize{224, 500});  // already there: unchanged
}

TEST_CASE("Bicubic resize keeps flat images flat and skips unchanged axes", "[media][resize]") {
  // Normalised weights sum to one (up to fixed-point rounding far below half a
  // level), so a constant image must come back constant at any scale.
  cv::Mat flat(37, 53, CV_8UC3, cv::Scalar(0, 128, 255));
  for (auto [w, h] : {std::pair{11, 7}, std::pair{200, 150}, std::pair{53, 90}, std::pair{20, 37}}) {
    auto out = ResizeBicubicPil(flat, w, h);
    REQUIRE(out.ok());
    INFO(w << "x" << h);
    CHECK(cv::norm(*out, cv::Mat(h, w, CV_8UC3, cv::Scalar(0, 128, 255)), cv::NORM_INF) == 0);
  }
  // Same size: a copy, bit for bit (the kernel at integer offsets is 1, 0, 0).
  cv::Mat ramp(5, 7, CV_8UC1);
  for (int i = 0; i < 35; ++i) ramp.data[i] = static_cast<uint8_t>(i * 7);
  auto same = ResizeBicubicPil(ramp, 7, 5);
  REQUIRE(same.ok());
  CHECK(cv::norm(*same, ramp, cv::NORM_INF) == 0);
  // Only the width changes: every row is filtered independently, so a picture
  // whose rows are constant keeps each row's value.
  cv::Mat rows(6, 9, CV_8UC1);
  for (int y = 0; y < 6; ++y) rows.row(y).setTo(y * 40);
  auto wider = ResizeBicubicPil(rows, 20, 6);
  REQUIRE(wider.ok());
  for (int y = 0; y < 6; ++y) CHECK(cv::norm(wider->row(y), cv::Mat(1, 20, CV_8UC1, cv::Scalar(y * 40)), cv::NORM_INF) == 0);
}

TEST_CASE("Bicubic resize rejects bad input", "[media][resize]") {
  CHECK(ResizeBicubicPil(cv::Mat(), 10, 10).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(ResizeBicubicPil(cv::Mat(4, 4, CV_32FC3), 2, 2).ok());
  CHECK_FALSE(ResizeBicubicPil(cv::Mat(4, 4, CV_8UC3), 0, 2).ok());
}

}  // namespace
}  // namespace xsd
