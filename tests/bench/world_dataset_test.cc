// The bench reads the driving world (xsd/media/driving_world.h) as it reads
// any DSEC-layout dataset.
#include <filesystem>
#include <string>

#include <ATen/ATen.h>

#include "dataset.h"
#include "support/scratch_dir.h"
#include "xsd/media/driving_questions.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/driving_world.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

TEST_CASE("The bench's DSEC reader reads the driving world", "[bench][dataset][world]") {
  const xsd::testing::ScratchDir scratch("bench_world");
  const fs::path dir = scratch.path();
  DrivingWorldOptions o;
  o.num_train = 3;
  o.num_heldout = 2;
  o.video_size = 64;
  o.event_size = 64;
  REQUIRE(WriteDrivingWorld(dir.string(), o).ok());

  const std::string heldout = (dir / kDrivingHeldOutDir).string();
  auto scenes = ReadDsecDataset(heldout, "event_image_1f", -1);
  REQUIRE(scenes.ok());
  REQUIRE(scenes->size() == 2);
  const std::string id = DrivingSceneId(kDrivingHeldOutFirstIndex + 1);
  CHECK((*scenes)[1].id == id);
  CHECK((*scenes)[1].video_path == heldout + "/mp4/" + id + ".mp4");
  CHECK((*scenes)[1].event_image_paths == std::vector<std::string>{heldout + "/event_image_1f/" + id + ".png"});
  for (const DsecScene& s : *scenes) {
    CHECK(fs::is_regular_file(s.video_path));
    CHECK(fs::is_regular_file(s.event_image_paths.at(0)));
  }

  auto questions = LoadQuestions((dir / kDrivingTrainDir / "questions.json").string());
  REQUIRE(questions.ok());
  CHECK(*questions == DrivingQuestionTexts());
  DatasetOptions d;
  d.dataset_dir = (dir / kDrivingTrainDir).string();  // the default key, "event_image"
  d.n_questions = static_cast<int>(questions->size());
  auto samples = LoadBenchSamples(d, *questions);
  REQUIRE(samples.ok());
  REQUIRE(samples->size() == 3 * DrivingQuestionTexts().size());
  const Request& last = samples->back().request;
  CHECK(last.id == DrivingSceneId(2) + "/7");
  CHECK(last.question == "Describe the following scene.");
  CHECK(last.media.at(kEventImagesMedia) ==
        std::vector<std::string>{d.dataset_dir + "/event_image/" + DrivingSceneId(2) + ".png"});
  auto pixels = LoadEventPixels(last.media.at(kEventImagesMedia), 64);
  REQUIRE(pixels.ok());
  CHECK(at::equal(*pixels, *DrivingEventPixels(MakeDrivingScene(o.seed, 2), 64)));
}

}  // namespace
}  // namespace xsd::bench
