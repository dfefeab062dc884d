// Writes the synthetic DSEC-layout dataset (see synthetic_scene.h).
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "media/atomic_files.h"
#include "xsd/base/status.h"
#include "xsd/media/event_image.h"
#include "xsd/media/synthetic_scene.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;
using media_internal::WriteFileAtomic;
using media_internal::WriteMp4Atomic;
using media_internal::WritePngAtomic;

absl::Status WriteSceneMp4(const fs::path& path, const SyntheticScene& scene, const SyntheticDatasetOptions& o) {
  return WriteMp4Atomic(path, o.frames, o.width, o.height, o.fps, [&](int t) { return scene.Render(t); });
}

absl::Status CheckOptions(const SyntheticDatasetOptions& o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("synthetic dataset: ", field, ": ", why));
  };
  if (o.num_scenes < 1) return bad("num_scenes", absl::StrCat("must be >= 1, got ", o.num_scenes));
  if (o.frames < 2) return bad("frames", absl::StrCat("must be >= 2, got ", o.frames));
  if (o.width < 32 || o.height < 32 || o.width % 2 || o.height % 2) {
    return bad("width/height", absl::StrCat("must be even and >= 32, got ", o.width, "x", o.height));
  }
  if (!(o.fps > 0)) return bad("fps", absl::StrCat("must be > 0, got ", o.fps));
  const int max_questions = static_cast<int>(SyntheticQuestions().size());
  if (o.num_questions < 1 || o.num_questions > max_questions) {
    return bad("num_questions", absl::StrCat("must be in [1, ", max_questions, "], got ", o.num_questions));
  }
  if (o.event_frames < 1 || o.event_frames > o.frames - 1) {
    return bad("event_frames", absl::StrCat("must be in [1, frames - 1], got ", o.event_frames));
  }
  return absl::OkStatus();
}

// Event image k of n: the change from frame t0 to t0 + 1, t0 spread over the clip.
absl::StatusOr<cv::Mat> EventImageAt(const SyntheticScene& scene, int k, int n, int frames) {
  const int t0 = ((2 * k + 1) * (frames - 1)) / (2 * n);
  return RenderEventImage(scene.Render(t0), scene.Render(t0 + 1));
}

absl::StatusOr<nlohmann::ordered_json> WriteScene(const fs::path& dir, int index,
                                                  const SyntheticDatasetOptions& o) {
  const SyntheticScene scene(o.seed, index, o.width, o.height);
  const std::string id = SyntheticSceneId(index);

  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (int k = 0; k < o.event_frames; ++k) {
    const std::string name = absl::StrCat(id, "_", k, ".png");
    XSD_ASSIGN_OR_RETURN(cv::Mat image, EventImageAt(scene, k, o.event_frames, o.frames));
    XSD_RETURN_IF_ERROR(WritePngAtomic(dir / "event_image" / name, image));
    events.push_back(name);
  }
  const std::string one = absl::StrCat(id, ".png");
  XSD_ASSIGN_OR_RETURN(cv::Mat single, EventImageAt(scene, 0, 1, o.frames));
  XSD_RETURN_IF_ERROR(WritePngAtomic(dir / "event_image_1f" / one, single));
  XSD_RETURN_IF_ERROR(WriteSceneMp4(dir / "mp4" / absl::StrCat(id, ".mp4"), scene, o));

  const std::vector<std::string>& questions = SyntheticQuestions();
  nlohmann::ordered_json sample;
  sample["id"] = id;
  sample["event_image"] = events;
  sample["event_image_1f"] = nlohmann::ordered_json::array({one});
  sample["video_data"] = id;
  sample["conversations"] = nlohmann::ordered_json::array(
      {{{"from", "human"}, {"value", absl::StrCat("<event>\n", questions[index % o.num_questions])}},
       {{"from", "gpt"}, {"value", scene.Describe()}}});
  return sample;
}

}  // namespace

std::string SyntheticSceneId(int index) { return absl::StrFormat("synthetic_%03d", index); }

const std::vector<std::string>& SyntheticQuestions() {
  // The first ten entries of top50_questions.json, in its order (the research
  // benchmark used exactly these).
  static const std::vector<std::string> kQuestions = {
      "What are the key elements in this scene?",
      "Can you elaborate on the elements of the scene provided?",
      "What is this scene about?",
      "What is the layout of the road in the scene?",
      "What type of vehicles are present in the scene and how are they positioned?",
      "What do you think is going on in this scene?",
      "What elements are present in the scene?",
      "What do you see happening in this scene?",
      "Describe the following scene.",
      "What types of vehicles are present in the scene and how are they positioned?",
  };
  return kQuestions;
}

absl::Status WriteSyntheticDataset(const std::string& dir, const SyntheticDatasetOptions& options) {
  XSD_RETURN_IF_ERROR(CheckOptions(options));
  const fs::path root(dir);
  for (const char* sub : {"event_image", "event_image_1f", "mp4"}) {
    std::error_code ec;
    fs::create_directories(root / sub, ec);
    if (ec) return absl::InternalError(absl::StrCat((root / sub).string(), ": cannot create folder: ", ec.message()));
  }
  try {
    nlohmann::ordered_json questions = nlohmann::ordered_json::array();
    for (int i = 0; i < options.num_questions; ++i) questions.push_back({{"question", SyntheticQuestions()[i]}});
    XSD_RETURN_IF_ERROR(WriteFileAtomic(root / kQuestionsFileName, questions.dump(2) + "\n"));

    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (int i = 0; i < options.num_scenes; ++i) {
      XSD_ASSIGN_OR_RETURN(nlohmann::ordered_json sample, WriteScene(root, i, options));
      samples.push_back(std::move(sample));
    }
    // Last, so a reader that finds the index finds every file it names.
    return WriteFileAtomic(root / kInstructionFileName, samples.dump(2) + "\n");
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat(dir, ": OpenCV error while writing the synthetic dataset: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(dir, ": error while writing the synthetic dataset: ", e.what()));
  }
}

}  // namespace xsd
