#include "dataset.h"
#include "xsd_catch.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd::bench {
namespace {

const std::string kDsec = XSD_TEST_DATA_DIR "/bench/dsec_mini";

TEST_CASE("Questions: objects or strings, in file order", "[bench][dataset]") {
  auto q = LoadQuestions(XSD_TEST_DATA_DIR "/bench/questions3.json");
  REQUIRE(q.ok());
  REQUIRE(q->size() == 3);
  CHECK((*q)[0] == "What is in front of the car?");
  CHECK((*q)[1] == "Is the road wet?");
  CHECK((*q)[2] == "Describe the scene.");
  CHECK_FALSE(ParseQuestions("[{\"q\": 1}]", "x.json").ok());
  CHECK_FALSE(ParseQuestions("{}", "x.json").ok());
  CHECK_FALSE(ParseQuestions("[", "x.json").ok());
}

TEST_CASE("The embedded questions are the research's top-50 list", "[bench][dataset]") {
  auto q = LoadQuestions("");
  REQUIRE(q.ok());
  REQUIRE(q->size() == 50);
  CHECK(q->front() == "What are the key elements in this scene?");
  CHECK((*q)[9] == "What types of vehicles are present in the scene and how are they positioned?");
}

TEST_CASE("DSEC layout: ids, video and event image paths", "[bench][dataset]") {
  auto scenes = ReadDsecDataset(kDsec, "event_image", -1);
  REQUIRE(scenes.ok());
  REQUIRE(scenes->size() == 3);
  const DsecScene& a = (*scenes)[0];
  CHECK(a.id == "interlaken_00_a_0001");
  CHECK(a.video_path == kDsec + "/mp4/interlaken_00_a_0001.mp4");
  REQUIRE(a.event_image_paths.size() == 2);
  CHECK(a.event_image_paths[1] == kDsec + "/event_image/interlaken_00_a_0001_1.png");
  CHECK((*scenes)[1].id == "42");                                  // integer ids
  CHECK((*scenes)[1].video_path == kDsec + "/mp4/zurich_42.mp4");  // ".mp4" not doubled
  REQUIRE((*scenes)[2].event_image_paths.size() == 1);             // one name, not a list
  CHECK((*scenes)[2].event_image_paths[0] == kDsec + "/event_image/thun_single.png");

  auto one_frame = ReadDsecDataset(kDsec, "event_image_1f", 2);
  REQUIRE(one_frame.ok());
  REQUIRE(one_frame->size() == 2);
  CHECK((*one_frame)[0].event_image_paths == std::vector<std::string>{kDsec + "/event_image_1f/interlaken_00_a_0001.png"});
}

TEST_CASE("DSEC errors name the file and the entry", "[bench][dataset]") {
  auto bad = ReadDsecDataset(XSD_TEST_DATA_DIR "/bench/dsec_bad", "event_image", -1);
  REQUIRE_FALSE(bad.ok());
  const std::string m(bad.status().message());
  CHECK(m.find("dsec_bad/EventGPT_Instruction_Subset.json: entry 1") != std::string::npos);
  CHECK(m.find("no_video") != std::string::npos);
  CHECK(m.find("video_data") != std::string::npos);
  auto missing = ReadDsecDataset(XSD_TEST_DATA_DIR "/bench", "event_image", -1);
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.status().message()).find("EventGPT_Instruction_Subset.json") != std::string::npos);
}

TEST_CASE("Requests: scene-major, ids <scene>/<q>, seeds stable and distinct", "[bench][dataset]") {
  const std::vector<std::string> questions = {"q0", "q1", "q2"};
  DatasetOptions o;
  o.dataset_dir = kDsec;
  o.max_samples = 2;
  o.n_questions = 2;
  auto samples = LoadBenchSamples(o, questions);
  REQUIRE(samples.ok());
  REQUIRE(samples->size() == 4);
  CHECK((*samples)[0].request.id == "interlaken_00_a_0001/0");
  CHECK((*samples)[1].request.id == "interlaken_00_a_0001/1");
  CHECK((*samples)[1].request.question == "q1");
  CHECK((*samples)[2].request.id == "42/0");
  CHECK((*samples)[3].position == 3);
  CHECK((*samples)[2].request.media.at(kVideoMedia) == std::vector<std::string>{kDsec + "/mp4/zurich_42.mp4"});
  CHECK((*samples)[0].request.seed != (*samples)[1].request.seed);
  auto again = LoadBenchSamples(o, questions);
  REQUIRE(again.ok());
  CHECK((*again)[3].request.seed == (*samples)[3].request.seed);
  o.seed = 5;
  auto reseeded = LoadBenchSamples(o, questions);
  REQUIRE(reseeded.ok());
  CHECK((*reseeded)[3].request.seed != (*samples)[3].request.seed);

  o.n_questions = 4;
  auto too_many = LoadBenchSamples(o, questions);
  REQUIRE_FALSE(too_many.ok());
  CHECK(std::string(too_many.status().message()).rfind("--n_questions=4", 0) == 0);
}

TEST_CASE("Built-in scenes need no files", "[bench][dataset]") {
  DatasetOptions o;
  o.builtin_scenes = 3;
  o.n_questions = 2;
  auto samples = LoadBenchSamples(o, {"a", "b"});
  REQUIRE(samples.ok());
  REQUIRE(samples->size() == 6);
  CHECK((*samples)[5].request.id == "builtin_002/1");
  CHECK((*samples)[5].request.media.count(kVideoMedia) == 0);
  o.max_samples = 1;
  auto capped = LoadBenchSamples(o, {"a", "b"});
  REQUIRE(capped.ok());
  CHECK(capped->size() == 2);
}

}  // namespace
}  // namespace xsd::bench
