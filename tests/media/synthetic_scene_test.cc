#include "xsd/media/synthetic_scene.h"

#include <filesystem>
#include <set>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "media_test_util.h"
#include "xsd/base/logging.h"
#include "xsd/media/event_image.h"
#include "xsd/media/image.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;

SyntheticDatasetOptions SmallOptions() {
  SyntheticDatasetOptions o;
  o.num_scenes = 3;
  o.frames = 24;
  o.width = 320;
  o.height = 240;
  o.fps = 20.0;
  o.seed = 7;
  o.num_questions = 3;
  o.event_frames = 2;
  return o;
}

nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(testing::ReadWholeFile(path)); }

// Counts of white, red, blue and other pixels of an RGB image.
struct PolarityCounts {
  int white = 0, red = 0, blue = 0, other = 0;
};
PolarityCounts CountPolarity(const cv::Mat& rgb) {
  PolarityCounts c;
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
      if (p == cv::Vec3b(255, 255, 255)) {
        ++c.white;
      } else if (p == cv::Vec3b(255, 0, 0)) {
        ++c.red;
      } else if (p == cv::Vec3b(0, 0, 255)) {
        ++c.blue;
      } else {
        ++c.other;
      }
    }
  }
  return c;
}

TEST_CASE("Event image: brighter is red, darker is blue, small changes stay white", "[media][synthetic]") {
  cv::Mat before(4, 3, CV_8UC3, cv::Scalar(100, 100, 100));
  cv::Mat after = before.clone();
  after.row(0).setTo(cv::Scalar(200, 200, 200));  // (208 * 100 > 108 * 118): positive
  after.row(1).setTo(cv::Scalar(20, 20, 20));     // (108 * 100 > 28 * 118): negative
  after.row(2).setTo(cv::Scalar(105, 105, 105));  // 113 vs 108: below the threshold
  auto events = RenderEventImage(before, after);
  REQUIRE(events.ok());
  for (int x = 0; x < 3; ++x) {
    CHECK(events->at<cv::Vec3b>(0, x) == cv::Vec3b(255, 0, 0));
    CHECK(events->at<cv::Vec3b>(1, x) == cv::Vec3b(0, 0, 255));
    CHECK(events->at<cv::Vec3b>(2, x) == cv::Vec3b(255, 255, 255));
    CHECK(events->at<cv::Vec3b>(3, x) == cv::Vec3b(255, 255, 255));
  }
  CHECK_FALSE(RenderEventImage(before, cv::Mat(5, 3, CV_8UC3)).ok());
}

TEST_CASE("Synthetic dataset round trip: JSON, PNG and MP4 read back", "[media][synthetic]") {
  testing::ScratchDir dir("media_synthetic");
  const SyntheticDatasetOptions o = SmallOptions();
  REQUIRE(WriteSyntheticDataset(dir.path(), o).ok());

  const nlohmann::json questions = ReadJson(dir.File(kQuestionsFileName));
  REQUIRE(questions.size() == 3);
  // The first three of top50_questions.json, copied by hand.
  CHECK(questions[0]["question"] == "What are the key elements in this scene?");
  CHECK(questions[1]["question"] == "Can you elaborate on the elements of the scene provided?");
  CHECK(questions[2]["question"] == "What is this scene about?");

  const nlohmann::json samples = ReadJson(dir.File(kInstructionFileName));
  REQUIRE(samples.is_array());
  REQUIRE(samples.size() == 3);
  std::set<std::string> ids;
  for (const auto& s : samples) {
    const std::string id = s["id"];
    INFO(id);
    ids.insert(id);
    CHECK(s["video_data"] == id);
    REQUIRE(s["event_image"].size() == 2);
    REQUIRE(s["event_image_1f"].size() == 1);
    REQUIRE(s["conversations"].size() == 2);
    CHECK(s["conversations"][0]["from"] == "human");
    CHECK(std::string(s["conversations"][0]["value"]).rfind("<event>\n", 0) == 0);

    std::vector<std::string> pngs;
    for (const auto& f : s["event_image"]) pngs.push_back(dir.File("event_image/" + std::string(f)));
    pngs.push_back(dir.File("event_image_1f/" + std::string(s["event_image_1f"][0])));
    for (const std::string& png : pngs) {
      INFO(png);
      auto events = LoadImageRgb(png);
      REQUIRE(events.ok());
      CHECK(events->cols == 320);
      CHECK(events->rows == 240);
      const PolarityCounts c = CountPolarity(*events);
      CHECK(c.other == 0);  // only white, red and blue
      CHECK(c.red > 50);    // moving objects and the panning backdrop fire events
      CHECK(c.blue > 50);
      CHECK(c.white > c.red + c.blue);  // mostly background
    }

    const std::string mp4 = dir.File("mp4/" + id + ".mp4");
    cv::VideoCapture cap(mp4, cv::CAP_FFMPEG);
    REQUIRE(cap.isOpened());
    CHECK(cap.get(cv::CAP_PROP_FRAME_COUNT) == 24);
    CHECK(cap.get(cv::CAP_PROP_FPS) == Approx(20.0));
    auto frames = LoadVideoFrames(mp4, 24, FrameSampling::kFirstNPadLast);
    REQUIRE(frames.ok());
    REQUIRE(frames->size() == 24);
    // The decoded video is the rendered scene, up to compression.
    const SyntheticScene scene(o.seed, static_cast<int>(ids.size()) - 1, o.width, o.height);
    for (int t : {0, 11, 23}) {
      cv::Mat diff;
      cv::absdiff((*frames)[t], scene.Render(t), diff);
      const double mean_abs = cv::mean(diff)[0];
      INFO("frame " << t << " mean |decoded - rendered| " << mean_abs);
      CHECK(mean_abs < 6.0);
    }
    CHECK(cv::norm((*frames)[0], (*frames)[23], cv::NORM_L1) > 0);  // it moves
    auto uniform = LoadVideoFrames(mp4, 8, FrameSampling::kUniform);
    REQUIRE(uniform.ok());
    CHECK(uniform->size() == 8);
  }
  CHECK(ids == std::set<std::string>{"synthetic_000", "synthetic_001", "synthetic_002"});

  // Atomic writes leave no temporaries behind.
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    INFO(entry.path().string());
    CHECK(entry.path().filename().string()[0] != '.');
  }
}

TEST_CASE("Synthetic dataset is deterministic in its seed", "[media][synthetic]") {
  testing::ScratchDir a("media_synthetic_a");
  testing::ScratchDir b("media_synthetic_b");
  testing::ScratchDir c("media_synthetic_c");
  SyntheticDatasetOptions o = SmallOptions();
  o.num_scenes = 2;
  REQUIRE(WriteSyntheticDataset(a.path(), o).ok());
  REQUIRE(WriteSyntheticDataset(b.path(), o).ok());
  o.seed = 8;
  REQUIRE(WriteSyntheticDataset(c.path(), o).ok());
  for (const std::string rel : {std::string(kInstructionFileName), std::string(kQuestionsFileName),
                                std::string("event_image/synthetic_000_0.png"),
                                std::string("event_image/synthetic_001_1.png"),
                                std::string("event_image_1f/synthetic_001.png")}) {
    INFO(rel);
    CHECK(testing::ReadWholeFile(a.File(rel)) == testing::ReadWholeFile(b.File(rel)));
  }
  CHECK(testing::ReadWholeFile(a.File("event_image_1f/synthetic_000.png")) !=
        testing::ReadWholeFile(c.File("event_image_1f/synthetic_000.png")));
  CHECK(testing::ReadWholeFile(a.File(kInstructionFileName)) != testing::ReadWholeFile(c.File(kInstructionFileName)));
  // MP4 bytes depend on the encoder build; the decoded frames must agree.
  const bool same_mp4 = testing::ReadWholeFile(a.File("mp4/synthetic_000.mp4")) ==
                        testing::ReadWholeFile(b.File("mp4/synthetic_000.mp4"));
  XSD_LOG(INFO) << "synthetic MP4 byte-identical across two writes: " << (same_mp4 ? "yes" : "no");
  auto fa = LoadVideoFrames(a.File("mp4/synthetic_000.mp4"), 24, FrameSampling::kFirstNPadLast);
  auto fb = LoadVideoFrames(b.File("mp4/synthetic_000.mp4"), 24, FrameSampling::kFirstNPadLast);
  REQUIRE(fa.ok());
  REQUIRE(fb.ok());
  for (int t = 0; t < 24; ++t) CHECK(cv::norm((*fa)[t], (*fb)[t], cv::NORM_INF) <= 2);
}

TEST_CASE("Synthetic dataset rejects bad options and unwritable folders", "[media][synthetic]") {
  testing::ScratchDir dir("media_synthetic_bad");
  auto expect_field = [&](SyntheticDatasetOptions o, const std::string& field) {
    const absl::Status s = WriteSyntheticDataset(dir.path(), o);
    INFO(field << ": " << s.ToString());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(s.message()).find(field) != std::string::npos);
  };
  SyntheticDatasetOptions o = SmallOptions();
  o.num_scenes = 0;
  expect_field(o, "num_scenes");
  o = SmallOptions();
  o.frames = 1;
  expect_field(o, "frames");
  o = SmallOptions();
  o.width = 321;
  expect_field(o, "width");
  o = SmallOptions();
  o.num_questions = 11;
  expect_field(o, "num_questions");
  o = SmallOptions();
  o.event_frames = 24;
  expect_field(o, "event_frames");

  const std::string file = dir.File("a_file");
  testing::WriteWholeFile(file, "x");
  const absl::Status s = WriteSyntheticDataset(file + "/dataset", SmallOptions());
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find(file) != std::string::npos);
}

}  // namespace
}  // namespace xsd
