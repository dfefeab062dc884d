// Writes the driving world's splits (see driving_world.h).
#include "xsd/media/driving_world.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/torch_status.h"
#include "media/atomic_files.h"
#include "xsd/base/status.h"
#include "xsd/media/driving_questions.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/synthetic_scene.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;
using media_internal::WriteFileAtomic;
using media_internal::WriteMp4Atomic;
using media_internal::WritePngAtomic;
using json = nlohmann::ordered_json;

absl::Status CheckOptions(const DrivingWorldOptions& o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("driving world: ", field, ": ", why));
  };
  if (o.num_train < 0) return bad("num_train", absl::StrCat("must be >= 0, got ", o.num_train));
  if (o.num_heldout < 0) return bad("num_heldout", absl::StrCat("must be >= 0, got ", o.num_heldout));
  if (o.num_train + o.num_heldout == 0) return bad("num_train/num_heldout", "both are 0");
  if (o.num_train > kDrivingHeldOutFirstIndex) {
    return bad("num_train", absl::StrCat("must be <= ", kDrivingHeldOutFirstIndex, ", got ", o.num_train));
  }
  if (o.video_size < 32 || o.video_size % 2) {
    return bad("video_size", absl::StrCat("must be even and >= 32, got ", o.video_size));
  }
  if (o.event_size < 32) return bad("event_size", absl::StrCat("must be >= 32, got ", o.event_size));
  if (o.frames < 2 || o.frames > kDrivingFrames) {
    return bad("frames", absl::StrCat("must be in [2, ", kDrivingFrames, "], got ", o.frames));
  }
  if (!(o.fps > 0)) return bad("fps", absl::StrCat("must be > 0, got ", o.fps));
  return absl::OkStatus();
}

// A [rows, cols, 3] uint8 tensor's memory seen as an RGB cv::Mat (no copy).
cv::Mat AsMat(const at::Tensor& rgb) {
  return cv::Mat(static_cast<int>(rgb.size(0)), static_cast<int>(rgb.size(1)), CV_8UC3, rgb.data_ptr<uint8_t>());
}

json GroundTruth(const DrivingScene& scene, const std::string& id) {
  json counts = json::object();
  for (int c = 0; c <= static_cast<int>(DrivingClass::kCyclist); ++c) {
    counts[DrivingName(static_cast<DrivingClass>(c))] = scene.CountOf(static_cast<DrivingClass>(c));
  }
  json objects = json::array();
  for (const DrivingObject& o : scene.objects) {
    objects.push_back({{"class", DrivingName(o.object_class)},
                       {"color", DrivingName(o.color)},
                       {"lane", DrivingName(o.lane)},
                       {"motion", DrivingName(o.motion)},
                       {"speed", o.motion == DrivingMotion::kStopped ? "none" : DrivingName(o.speed)},
                       {"x", o.x},
                       {"bottom", o.bottom}});
  }
  json qas = json::array();
  for (const WorldQa& qa : DrivingQuestions(scene)) {
    json classes = json::array();
    for (WordClass c : qa.word_classes) classes.push_back(WordClassName(c));
    qas.push_back({{"question_id", qa.question_id},
                   {"question", qa.question},
                   {"answer", qa.answer},
                   {"word_classes", classes}});
  }
  return {{"id", id},
          {"index", scene.index},
          {"light", DrivingName(scene.light)},
          {"counts", counts},
          {"objects", objects},
          {"qa", qas}};
}

// The instruction file's entry: media names and the questions as turns.
json Sample(const DrivingScene& scene, const std::string& id) {
  json turns = json::array();
  bool first = true;
  for (const WorldQa& qa : DrivingQuestions(scene)) {
    turns.push_back({{"from", "human"}, {"value", first ? absl::StrCat("<event>\n", qa.question) : qa.question}});
    turns.push_back({{"from", "gpt"}, {"value", qa.answer}});
    first = false;
  }
  const std::string png = absl::StrCat(id, ".png");
  return {{"id", id},
          {"event_image", json::array({png})},
          {"event_image_1f", json::array({png})},
          {"video_data", id},
          {"conversations", turns}};
}

absl::Status WriteSceneMedia(const fs::path& dir, const DrivingScene& scene, const std::string& id,
                             const DrivingWorldOptions& o) {
  XSD_ASSIGN_OR_RETURN(at::Tensor video, RenderDrivingVideo(scene, o.frames, o.video_size));
  XSD_ASSIGN_OR_RETURN(at::Tensor events, RenderDrivingEventImage(scene, o.event_size, o.frames));
  const cv::Mat event_mat = AsMat(events);
  for (const char* sub : {"event_image", "event_image_1f"}) {
    XSD_RETURN_IF_ERROR(WritePngAtomic(dir / sub / absl::StrCat(id, ".png"), event_mat));
  }
  return WriteMp4Atomic(dir / "mp4" / absl::StrCat(id, ".mp4"), o.frames, o.video_size, o.video_size, o.fps,
                        [&](int t) { return AsMat(video[t]); });
}

// A JSON list of already dumped entries, one per line (small, greppable).
std::string LinePerEntry(const std::vector<std::string>& entries) {
  std::string out = "[\n";
  for (size_t i = 0; i < entries.size(); ++i) out += entries[i] + (i + 1 < entries.size() ? ",\n" : "\n");
  return out + "]";
}

absl::Status WriteSplit(const fs::path& dir, const char* split, int first_index, int count,
                        const DrivingWorldOptions& o) {
  for (const char* sub : {"event_image", "event_image_1f", "mp4"}) {
    std::error_code ec;
    fs::create_directories(dir / sub, ec);
    if (ec) return absl::InternalError(absl::StrCat((dir / sub).string(), ": cannot create folder: ", ec.message()));
  }
  json questions = json::array();
  for (const std::string& q : DrivingQuestionTexts()) questions.push_back({{"question", q}});
  XSD_RETURN_IF_ERROR(WriteFileAtomic(dir / kQuestionsFileName, questions.dump(2) + "\n"));

  // Each scene's JSON is dumped at once: thousands of small JSON nodes kept
  // between the render buffers fragment the heap (~1 MB per scene).
  std::vector<std::string> samples, scenes;
  for (int i = 0; i < count; ++i) {
    const DrivingScene scene = MakeDrivingScene(o.seed, first_index + i);
    const std::string id = DrivingSceneId(scene.index);
    XSD_RETURN_IF_ERROR(WriteSceneMedia(dir, scene, id, o));
    samples.push_back(Sample(scene, id).dump());
    scenes.push_back(GroundTruth(scene, id).dump());
  }
  const json header = {{"version", 1},
                       {"split", split},
                       {"seed", o.seed},
                       {"first_index", first_index},
                       {"num_scenes", count},
                       {"video_size", o.video_size},
                       {"event_size", o.event_size},
                       {"frames", o.frames},
                       {"fps", o.fps},
                       {"questions", DrivingQuestionTexts()}};
  std::string world = header.dump();
  world.pop_back();  // the closing brace: "scenes" follows
  XSD_RETURN_IF_ERROR(WriteFileAtomic(dir / kDrivingWorldFile, world + ",\"scenes\":" + LinePerEntry(scenes) + "}\n"));
  // Last, so a reader that finds the index finds every file it names.
  return WriteFileAtomic(dir / kInstructionFileName, LinePerEntry(samples) + "\n");
}

}  // namespace


absl::Status WriteDrivingWorld(const std::string& dir, const DrivingWorldOptions& options) {
  XSD_RETURN_IF_ERROR(CheckOptions(options));
  try {
    const fs::path root(dir);
    if (options.num_train > 0) {
      XSD_RETURN_IF_ERROR(WriteSplit(root / kDrivingTrainDir, kDrivingTrainDir, 0, options.num_train, options));
    }
    if (options.num_heldout > 0) {
      XSD_RETURN_IF_ERROR(WriteSplit(root / kDrivingHeldOutDir, kDrivingHeldOutDir, kDrivingHeldOutFirstIndex,
                                     options.num_heldout, options));
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(dir, ": error while writing the driving world: ", e.what()));
  }
}

}  // namespace xsd
