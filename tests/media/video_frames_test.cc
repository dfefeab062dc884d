#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <string>
#include <vector>

#include "media_test_util.h"
#include "xsd/media/frame_sampling.h"
#include "xsd/media/image.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

const std::string kClip = "video/count30.mp4";

// Reads the frame number that the fixture wrote into each frame in binary
// (manifest "bit_blocks": bright block = 1), from the inner part of each block.
std::vector<int> DecodeFrameNumbers(const std::vector<cv::Mat>& frames) {
  const nlohmann::json video = testing::MediaManifest()["video"];
  std::vector<int> numbers;
  for (const cv::Mat& f : frames) {
    int n = 0;
    int k = 0;
    for (const auto& b : video["bit_blocks"]) {
      const cv::Rect inner(int(b[0]) + 4, int(b[1]) + 4, int(b[2]) - 8, int(b[3]) - 8);
      if (cv::mean(f(inner))[0] > 128) n |= 1 << k;
      ++k;
    }
    numbers.push_back(n);
  }
  return numbers;
}

TEST_CASE("Frame indices: HF uniform rule and first-N padding", "[media][video]") {
  using V = std::vector<int>;
  // np.arange(0, 30, 30 / 8).astype(int): 0, 3.75, 7.5, 11.25, 15, 18.75, 22.5, 26.25.
  CHECK(SampleFrameIndices(30, 8, FrameSampling::kUniform) == V{0, 3, 7, 11, 15, 18, 22, 26});
  CHECK(SampleFrameIndices(24, 8, FrameSampling::kUniform) == V{0, 3, 6, 9, 12, 15, 18, 21});
  CHECK(SampleFrameIndices(100, 8, FrameSampling::kUniform) == V{0, 12, 25, 37, 50, 62, 75, 87});
  // Fewer frames than wanted: indices repeat (5 / 8 = 0.625 per step).
  CHECK(SampleFrameIndices(5, 8, FrameSampling::kUniform) == V{0, 0, 1, 1, 2, 3, 3, 4});
  CHECK(SampleFrameIndices(30, 8, FrameSampling::kFirstNPadLast) == V{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(SampleFrameIndices(5, 8, FrameSampling::kFirstNPadLast) == V{0, 1, 2, 3, 4, 4, 4, 4});
  CHECK(SampleFrameIndices(0, 8, FrameSampling::kUniform).empty());
  CHECK(SampleFrameIndices(30, 0, FrameSampling::kFirstNPadLast).empty());
}

TEST_CASE("LoadVideoFrames decodes the frames the sampling rule names", "[media][video]") {
  const std::string path = testing::MediaPath(kClip);
  SECTION("uniform, 8 of 30") {
    auto frames = LoadVideoFrames(path, 8, FrameSampling::kUniform);
    REQUIRE(frames.ok());
    REQUIRE(frames->size() == 8);
    CHECK(DecodeFrameNumbers(*frames) == std::vector<int>{0, 3, 7, 11, 15, 18, 22, 26});
    for (const cv::Mat& f : *frames) {
      CHECK(f.type() == CV_8UC3);
      CHECK(f.cols == 160);
      CHECK(f.rows == 120);
    }
    // RGB order: the fixture's red disc (250, 30, 40) covers (53, 44).
    const cv::Vec3b px = (*frames)[0].at<cv::Vec3b>(44, 53);
    CHECK(px[0] > 180);
    CHECK(px[2] < 100);
  }
  SECTION("uniform, more frames than the clip has") {
    auto frames = LoadVideoFrames(path, 40, FrameSampling::kUniform);
    REQUIRE(frames.ok());
    const std::vector<int> got = DecodeFrameNumbers(*frames);
    REQUIRE(got.size() == 40);
    // floor(i * 30 / 40) = floor(0.75 i)
    CHECK(std::vector<int>(got.begin(), got.begin() + 6) == std::vector<int>{0, 0, 1, 2, 3, 3});
    CHECK(got.back() == 29);
  }
  SECTION("first N") {
    auto frames = LoadVideoFrames(path, 8, FrameSampling::kFirstNPadLast);
    REQUIRE(frames.ok());
    CHECK(DecodeFrameNumbers(*frames) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  }
  SECTION("first N, padded with the last frame") {
    auto frames = LoadVideoFrames(path, 34, FrameSampling::kFirstNPadLast);
    REQUIRE(frames.ok());
    const std::vector<int> got = DecodeFrameNumbers(*frames);
    REQUIRE(got.size() == 34);
    for (int i = 0; i < 34; ++i) CHECK(got[i] == std::min(i, 29));
  }
  SECTION("stacked for the video tower") {
    auto frames = LoadVideoFrames(path, 8, FrameSampling::kUniform);
    REQUIRE(frames.ok());
    auto pixels = PreprocessFrames(*frames, ClipPreprocessOptions{});
    REQUIRE(pixels.ok());
    CHECK(pixels->sizes() == at::IntArrayRef({8, 3, 224, 224}));
  }
}

bool Mentions(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

TEST_CASE("LoadVideoFrames errors name the path", "[media][video]") {
  testing::ScratchDir dir("media_video");
  for (FrameSampling sampling : {FrameSampling::kUniform, FrameSampling::kFirstNPadLast}) {
    INFO(FrameSamplingName(sampling));
    const std::string missing = dir.File("missing.mp4");
    auto a = LoadVideoFrames(missing, 8, sampling);
    REQUIRE_FALSE(a.ok());
    CHECK(a.status().code() == absl::StatusCode::kNotFound);
    CHECK(Mentions(a.status(), missing));

    const std::string text = dir.File("not_a_video.mp4");
    testing::WriteWholeFile(text, "plain text pretending to be an MP4\n");
    auto b = LoadVideoFrames(text, 8, sampling);
    REQUIRE_FALSE(b.ok());
    CHECK(Mentions(b.status(), text));

    const std::string empty = dir.File("empty.mp4");
    testing::WriteWholeFile(empty, "");
    auto c = LoadVideoFrames(empty, 8, sampling);
    REQUIRE_FALSE(c.ok());
    CHECK(Mentions(c.status(), empty));

    // Cut in half: the index (moov) that mp4v files carry at the end is gone.
    const std::string cut = dir.File("truncated.mp4");
    const std::string mp4 = testing::ReadWholeFile(testing::MediaPath(kClip));
    testing::WriteWholeFile(cut, mp4.substr(0, mp4.size() / 2));
    auto d = LoadVideoFrames(cut, 8, sampling);
    REQUIRE_FALSE(d.ok());
    CHECK(Mentions(d.status(), cut));

    auto e = LoadVideoFrames(testing::MediaPath(kClip), 0, sampling);
    REQUIRE_FALSE(e.ok());
    CHECK(Mentions(e.status(), kClip));
  }
}

TEST_CASE("LoadVideoFrames rejects a video with zero frames", "[media][video]") {
  testing::ScratchDir dir("media_video_zero");
  const std::string path = dir.File("zero.mp4");
  {
    cv::VideoWriter writer(path, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 20.0, cv::Size(64, 48));
    REQUIRE(writer.isOpened());
  }  // closed without a frame
  for (FrameSampling sampling : {FrameSampling::kUniform, FrameSampling::kFirstNPadLast}) {
    auto frames = LoadVideoFrames(path, 8, sampling);
    REQUIRE_FALSE(frames.ok());
    CHECK(Mentions(frames.status(), path));
  }
}

}  // namespace
}  // namespace xsd
