#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <map>
#include <string>

#include "media_test_util.h"
#include "xsd/base/logging.h"
#include "xsd/media/image.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

constexpr double kParityTolerance = 2e-2;  // about 1.4 uint8 levels after normalisation

double MaxAbsDiff(const at::Tensor& got, const std::vector<float>& want) {
  const float* g = got.data_ptr<float>();
  double m = 0;
  for (size_t i = 0; i < want.size(); ++i) m = std::max(m, std::abs(double(g[i]) - double(want[i])));
  return m;
}

TEST_CASE("CLIP preprocessing matches every reference in the fixture", "[media][clip]") {
  const nlohmann::json manifest = testing::MediaManifest();
  REQUIRE(manifest["clip_references"].size() >= 4);
  std::map<std::string, double> worst;  // per processor
  for (const auto& ref : manifest["clip_references"]) {
    const std::string image = ref["image"];
    const std::string processor = ref["processor"];
    const int size = ref["size"];
    INFO(image << " @" << size << " vs " << processor << " (" << std::string(ref["file"]) << ")");
    REQUIRE(ref["shape"] == nlohmann::json::array({3, size, size}));
    REQUIRE(ref["dtype"] == "float32");
    auto rgb = LoadImageRgb(testing::MediaPath(image));
    REQUIRE(rgb.ok());
    ClipPreprocessOptions options;
    options.size = size;
    // hf_fast is the torchvision-backed processor; pil_numpy and hf_slow are PIL-backed.
    options.backend = processor == "hf_fast" ? ClipBackend::kTorchvision : ClipBackend::kPil;
    auto pixels = ClipPreprocess(*rgb, options);
    REQUIRE(pixels.ok());
    REQUIRE(pixels->sizes() == at::IntArrayRef({3, size, size}));
    REQUIRE(pixels->scalar_type() == at::kFloat);
    REQUIRE(pixels->is_contiguous());
    const std::vector<float> want = testing::ReadRaw<float>(testing::MediaPath(ref["file"]));
    REQUIRE(want.size() == static_cast<size_t>(3) * size * size);
    const double diff = MaxAbsDiff(*pixels, want);
    INFO("max |diff| " << diff);
    CHECK(diff <= kParityTolerance);
    // The PIL+numpy reference redoes the slow processor's arithmetic; ours is
    // the same arithmetic, so anything but equality is a bug.
    if (processor == "pil_numpy") CHECK(diff == 0.0);
    worst[processor] = std::max(worst[processor], diff);
    // For the record: how far the other backend lands from this reference.
    options.backend = options.backend == ClipBackend::kPil ? ClipBackend::kTorchvision : ClipBackend::kPil;
    auto other = ClipPreprocess(*rgb, options);
    REQUIRE(other.ok());
    const std::string key = processor + " (other backend)";
    worst[key] = std::max(worst[key], MaxAbsDiff(*other, want));
  }
  for (const auto& [processor, diff] : worst) {
    XSD_LOG(INFO) << "CLIP parity vs " << processor << ": max |diff| " << diff;
  }
}

TEST_CASE("CLIP preprocessing of a flat image is the hand-computed normalisation", "[media][clip]") {
  const cv::Mat rgb(200, 300, CV_8UC3, cv::Scalar(200, 100, 7));  // R, G, B
  ClipPreprocessOptions options;
  options.size = 336;  // upsampling 200 -> 336
  options.backend = GENERATE(ClipBackend::kPil, ClipBackend::kTorchvision);
  auto pixels = ClipPreprocess(rgb, options);
  REQUIRE(pixels.ok());
  const double mean[3] = {0.48145466, 0.4578275, 0.40821073};
  const double stdv[3] = {0.26862954, 0.26130258, 0.27577711};
  const int value[3] = {200, 100, 7};
  for (int c = 0; c < 3; ++c) {
    const double expected = (value[c] / 255.0 - mean[c]) / stdv[c];
    const at::Tensor plane = (*pixels)[c];
    CHECK(plane.min().item<float>() == Approx(expected).epsilon(1e-6));
    CHECK(plane.max().item<float>() == Approx(expected).epsilon(1e-6));
  }
}

TEST_CASE("CLIP centre crop takes floor((h - size) / 2) rows off the top", "[media][clip]") {
  // 224 wide, so the resize is the identity; 303 tall: (303 - 224) / 2 = 39.5
  // -> 39 (floor; a round-half-even rule would give 40). R encodes the row,
  // G the column.
  cv::Mat rgb(303, 224, CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(y % 256, x, 0);
  }
  ClipPreprocessOptions options;
  auto pixels = ClipPreprocess(rgb, options);
  REQUIRE(pixels.ok());
  auto level = [&](int c, int y, int x) {
    const double v = (*pixels)[c][y][x].item<float>();
    return static_cast<int>(std::lround((v * options.std[c] + options.mean[c]) * 255.0));
  };
  CHECK(level(0, 0, 0) == 39);
  CHECK(level(0, 100, 5) == 139);
  CHECK(level(0, 223, 0) == (39 + 223) % 256);
  CHECK(level(1, 7, 0) == 0);
  CHECK(level(1, 7, 223) == 223);
}

TEST_CASE("PreprocessFrames stacks per-frame results", "[media][clip]") {
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 3; ++i) {
    cv::Mat f(120, 160, CV_8UC3, cv::Scalar(40 * i, 255 - 40 * i, 90));
    cv::rectangle(f, cv::Rect(10 * i, 20, 30, 40), cv::Scalar(255, 255, 255), cv::FILLED);
    frames.push_back(f);
  }
  ClipPreprocessOptions options;
  auto batch = PreprocessFrames(frames, options);
  REQUIRE(batch.ok());
  REQUIRE(batch->sizes() == at::IntArrayRef({3, 3, 224, 224}));
  REQUIRE(batch->is_contiguous());
  for (int i = 0; i < 3; ++i) {
    auto one = ClipPreprocess(frames[i], options);
    REQUIRE(one.ok());
    CHECK(at::equal((*batch)[i], *one));
  }
  CHECK_FALSE(at::equal((*batch)[0], (*batch)[1]));
}

TEST_CASE("CLIP preprocessing rejects bad input and options", "[media][clip]") {
  ClipPreprocessOptions options;
  CHECK(ClipPreprocess(cv::Mat(), options).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(ClipPreprocess(cv::Mat(50, 50, CV_8UC1, cv::Scalar(3)), options).ok());
  CHECK_FALSE(ClipPreprocess(cv::Mat(50, 50, CV_32FC3), options).ok());
  ClipPreprocessOptions bad = options;
  bad.size = 0;
  CHECK_FALSE(ClipPreprocess(cv::Mat(50, 50, CV_8UC3), bad).ok());
  bad = options;
  bad.mean = {0.5f};
  CHECK_FALSE(ClipPreprocess(cv::Mat(50, 50, CV_8UC3), bad).ok());
  bad = options;
  bad.std[1] = 0.0f;
  CHECK_FALSE(ClipPreprocess(cv::Mat(50, 50, CV_8UC3), bad).ok());
  CHECK_FALSE(PreprocessFrames({}, options).ok());
  auto mixed = PreprocessFrames({cv::Mat(50, 50, CV_8UC3), cv::Mat(50, 50, CV_8UC1)}, options);
  REQUIRE_FALSE(mixed.ok());
  CHECK(std::string(mixed.status().message()).find("frame 1") != std::string::npos);
}

}  // namespace
}  // namespace xsd
