// The driving world's files: layout, ground truth, PNG and MP4 round trips,
// determinism, and the loaders the models use.
#include "xsd/media/driving_world.h"

#include <filesystem>
#include <set>
#include <string>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "driving_test_util.h"
#include "media_test_util.h"
#include "xsd/base/logging.h"
#include "xsd/media/driving_questions.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/event_image.h"
#include "xsd/media/image.h"
#include "xsd/media/synthetic_scene.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;

DrivingWorldOptions SmallWorld() {
  DrivingWorldOptions o;
  o.num_train = 6;
  o.num_heldout = 3;
  o.seed = 11;
  return o;
}

nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(testing::ReadWholeFile(path)); }

cv::Mat AsMat(const at::Tensor& rgb) {
  return cv::Mat(static_cast<int>(rgb.size(0)), static_cast<int>(rgb.size(1)), CV_8UC3, rgb.data_ptr<uint8_t>());
}

// Mean |a - b| over every byte of two same-size RGB images.
double MeanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Scalar m = cv::mean(diff);
  return (m[0] + m[1] + m[2]) / 3;
}

TEST_CASE("Driving world files: layout, ground truth and round trips", "[media][world]") {
  testing::ScratchDir dir("media_world");
  const DrivingWorldOptions o = SmallWorld();
  REQUIRE(WriteDrivingWorld(dir.path(), o).ok());
  int objects_checked = 0;
  for (const auto& [split, first, count] : {std::tuple<std::string, int, int>{"train", 0, 6},
                                           std::tuple<std::string, int, int>{"heldout", kDrivingHeldOutFirstIndex, 3}}) {
    const std::string root = dir.File(split);
    INFO(root);
    const nlohmann::json questions = ReadJson(root + "/" + kQuestionsFileName);
    REQUIRE(questions.size() == DrivingQuestionTexts().size());
    for (size_t q = 0; q < questions.size(); ++q) CHECK(questions[q]["question"] == DrivingQuestionTexts()[q]);

    const nlohmann::json world = ReadJson(root + "/" + kDrivingWorldFile);
    CHECK(world["split"] == split);
    CHECK(world["first_index"] == first);
    CHECK(world["video_size"] == 224);
    CHECK(world["event_size"] == 336);
    const nlohmann::json samples = ReadJson(root + "/" + kInstructionFileName);
    REQUIRE(samples.size() == static_cast<size_t>(count));
    REQUIRE(world["scenes"].size() == static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      const DrivingScene scene = MakeDrivingScene(o.seed, first + i);
      const std::string id = DrivingSceneId(first + i);
      const nlohmann::json& gt = world["scenes"][i];
      const nlohmann::json& sample = samples[i];
      INFO(id);
      CHECK(gt["id"] == id);
      CHECK(gt["index"] == first + i);
      CHECK(gt["light"] == DrivingName(scene.light));
      REQUIRE(gt["objects"].size() == scene.objects.size());
      for (size_t k = 0; k < scene.objects.size(); ++k) {
        const DrivingObject& ob = scene.objects[k];
        CHECK(gt["objects"][k]["class"] == DrivingName(ob.object_class));
        CHECK(gt["objects"][k]["color"] == DrivingName(ob.color));
        CHECK(gt["objects"][k]["lane"] == DrivingName(ob.lane));
        CHECK(gt["objects"][k]["motion"] == DrivingName(ob.motion));
        CHECK(gt["objects"][k]["bottom"] == ob.bottom);
      }
      CHECK(gt["counts"]["pedestrian"] == scene.CountOf(DrivingClass::kPedestrian));
      const std::vector<WorldQa> qas = DrivingQuestions(scene);
      REQUIRE(gt["qa"].size() == qas.size());
      REQUIRE(sample["conversations"].size() == 2 * qas.size());
      for (size_t q = 0; q < qas.size(); ++q) {
        CHECK(gt["qa"][q]["answer"] == qas[q].answer);
        CHECK(gt["qa"][q]["word_classes"].size() == qas[q].words.size());
        CHECK(sample["conversations"][2 * q]["from"] == "human");
        CHECK(sample["conversations"][2 * q + 1]["value"] == qas[q].answer);
      }
      CHECK(sample["conversations"][0]["value"] == "<event>\n" + qas[0].question);
      CHECK(sample["id"] == id);
      CHECK(sample["video_data"] == id);
      CHECK(sample["event_image_1f"] == nlohmann::json::array({id + ".png"}));
      CHECK(sample["event_image"] == nlohmann::json::array({id + ".png"}));

      // The PNG is the event image; the models' loader reads what DrivingEventPixels gives.
      const std::string png = root + "/event_image_1f/" + id + ".png";
      CHECK(testing::ReadWholeFile(png) == testing::ReadWholeFile(root + "/event_image/" + id + ".png"));
      auto loaded = LoadImageRgb(png);
      REQUIRE(loaded.ok());
      const at::Tensor events = *RenderDrivingEventImage(scene, 336);
      CHECK(cv::norm(*loaded, AsMat(events), cv::NORM_INF) == 0);
      auto event_pixels = LoadEventPixels({png}, 336);
      REQUIRE(event_pixels.ok());
      CHECK(at::equal(*event_pixels, *DrivingEventPixels(scene, 336)));

      // The MP4 decodes to the rendered frames up to compression, colours kept.
      const std::string mp4 = root + "/mp4/" + id + ".mp4";
      cv::VideoCapture cap(mp4, cv::CAP_FFMPEG);
      REQUIRE(cap.isOpened());
      CHECK(cap.get(cv::CAP_PROP_FRAME_COUNT) == 8);
      auto frames = LoadVideoFrames(mp4, 8, FrameSampling::kUniform);
      REQUIRE(frames.ok());
      REQUIRE(frames->size() == 8);
      const at::Tensor video = *RenderDrivingVideo(scene, 8, 224);
      for (int t = 0; t < 8; ++t) {
        const double d = MeanAbsDiff((*frames)[t], AsMat(video[t]));
        INFO("frame " << t << " mean |decoded - rendered| " << d);
        CHECK(d < 4.0);  // mp4v at 224: 2.28 on average, 2.97 at most over 500 scenes x 8 frames
      }
      for (int k = 0; k < static_cast<int>(scene.objects.size()); ++k) {
        const auto masks = testing::ObjectMasks(scene, k, 224, 8);
        for (int t : {0, 7}) {
          int voters = 0;
          INFO("object " << k << " frame " << t);
          CHECK(testing::DominantColor((*frames)[t].data, testing::Erode(masks[t], 224, 1), &voters) ==
                scene.objects[k].color);
          CHECK(voters > 0);
        }
        ++objects_checked;
      }
      auto video_pixels = LoadVideoPixels(mp4, 8, FrameSampling::kUniform, 224);
      REQUIRE(video_pixels.ok());
      const double pixel_diff = (*video_pixels - *DrivingVideoPixels(scene, 224)).abs().mean().item<double>();
      INFO("mean |file pixels - memory pixels| " << pixel_diff);
      CHECK(pixel_diff < 0.06);  // 4 grey levels: 4 / 255 / 0.26 (CLIP's smallest std)
    }
  }
  CHECK(objects_checked >= 9);
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    INFO(entry.path().string());
    CHECK(entry.path().filename().string()[0] != '.');  // no temporaries left
  }
}

TEST_CASE("Driving world files are deterministic in their options", "[media][world]") {
  testing::ScratchDir a("media_world_a");
  testing::ScratchDir b("media_world_b");
  testing::ScratchDir c("media_world_c");
  DrivingWorldOptions o = SmallWorld();
  o.video_size = 64;
  o.event_size = 64;
  REQUIRE(WriteDrivingWorld(a.path(), o).ok());
  REQUIRE(WriteDrivingWorld(b.path(), o).ok());
  o.seed += 1;
  REQUIRE(WriteDrivingWorld(c.path(), o).ok());
  int compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(a.path())) {
    if (!entry.is_regular_file() || entry.path().extension() == ".mp4") continue;
    const std::string rel = fs::relative(entry.path(), a.path()).string();
    INFO(rel);
    CHECK(testing::ReadWholeFile(entry.path().string()) == testing::ReadWholeFile(b.File(rel)));
    ++compared;
  }
  CHECK(compared == 2 * 3 + 2 * 9);  // per split questions, world, instructions; two PNGs per scene
  CHECK(testing::ReadWholeFile(a.File("train/world.json")) != testing::ReadWholeFile(c.File("train/world.json")));
  const std::string id = DrivingSceneId(0);
  const bool same_mp4 = testing::ReadWholeFile(a.File("train/mp4/" + id + ".mp4")) ==
                        testing::ReadWholeFile(b.File("train/mp4/" + id + ".mp4"));
  XSD_LOG(INFO) << "driving world MP4 byte-identical across two writes: " << (same_mp4 ? "yes" : "no");
}

TEST_CASE("Driving event images equal RenderEventImage over consecutive frames", "[media][world]") {
  for (int i = 0; i < 20; ++i) {
    const DrivingScene s = MakeDrivingScene(4, i);
    const at::Tensor video = *RenderDrivingVideo(s, 8, 96);
    cv::Mat expected(96, 96, CV_8UC3, cv::Scalar(255, 255, 255));
    for (int t = 1; t < 8; ++t) {
      auto step = RenderEventImage(AsMat(video[t - 1]), AsMat(video[t]));
      REQUIRE(step.ok());
      cv::Mat fired;
      cv::inRange(*step, cv::Scalar(255, 255, 255), cv::Scalar(255, 255, 255), fired);
      step->copyTo(expected, ~fired);  // the last event of each pixel wins
    }
    INFO("scene " << i);
    CHECK(cv::norm(expected, AsMat(*RenderDrivingEventImage(s, 96)), cv::NORM_INF) == 0);
  }
}

TEST_CASE("Driving world rejects bad options", "[media][world]") {
  testing::ScratchDir dir("media_world_bad");
  auto expect_field = [&](DrivingWorldOptions o, const std::string& field) {
    const absl::Status s = WriteDrivingWorld(dir.path(), o);
    INFO(field << ": " << s.ToString());
    CHECK(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(s.message()).find(field) != std::string::npos);
  };
  DrivingWorldOptions o = SmallWorld();
  o.num_train = -1;
  expect_field(o, "num_train");
  o = SmallWorld();
  o.num_train = 0;
  o.num_heldout = 0;
  expect_field(o, "num_heldout");
  o = SmallWorld();
  o.video_size = 65;
  expect_field(o, "video_size");
  o = SmallWorld();
  o.event_size = 16;
  expect_field(o, "event_size");
  o = SmallWorld();
  o.frames = 9;
  expect_field(o, "frames");
  o = SmallWorld();
  o.fps = 0;
  expect_field(o, "fps");
  const std::string file = dir.File("a_file");
  testing::WriteWholeFile(file, "x");
  const absl::Status s = WriteDrivingWorld(file + "/world", SmallWorld());
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find(file) != std::string::npos);
}

}  // namespace
}  // namespace xsd
