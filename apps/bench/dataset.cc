#include "dataset.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "embedded_files.h"
#include "xsd/base/rng.h"
#include "xsd/base/status.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<nlohmann::json> ParseJson(const std::string& text, const std::string& source) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  return j;
}

// Ids may be strings or numbers in the wild.
absl::StatusOr<std::string> IdOf(const nlohmann::json& entry, const std::string& where) {
  auto it = entry.find("id");
  if (it == entry.end()) return absl::InvalidArgumentError(absl::StrCat(where, ": no 'id'"));
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return absl::InvalidArgumentError(absl::StrCat(where, ": 'id' must be a string or an integer"));
}

uint64_t HashString(uint64_t seed, const std::string& s) {
  uint64_t h = MixHash(seed, 0x62656e6368ull);  // "bench"
  for (unsigned char c : s) h = MixHash(h, c);
  return h;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseQuestions(const std::string& json_text, const std::string& source) {
  XSD_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(json_text, source));
  if (!j.is_array()) return absl::InvalidArgumentError(absl::StrCat(source, ": expected a JSON list of {\"question\": ...}"));
  std::vector<std::string> questions;
  for (size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& e = j[i];
    if (e.is_string()) {
      questions.push_back(e.get<std::string>());
    } else if (e.is_object() && e.contains("question") && e["question"].is_string()) {
      questions.push_back(e["question"].get<std::string>());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(source, ": entry ", i, ": expected {\"question\": \"...\"}"));
    }
  }
  if (questions.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": no questions"));
  return questions;
}

absl::StatusOr<std::vector<std::string>> LoadQuestions(const std::string& path) {
  if (path.empty()) {
    XSD_ASSIGN_OR_RETURN(EmbeddedFile f, FindEmbedded("questions", "top50_questions.json"));
    return ParseQuestions(f.contents, "embedded top50_questions.json");
  }
  XSD_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseQuestions(text, path);
}

absl::StatusOr<std::vector<DsecScene>> ReadDsecDataset(const std::string& dataset_dir,
                                                       const std::string& event_image_key, int max_samples) {
  const std::string index = (fs::path(dataset_dir) / kDsecInstructionFile).string();
  XSD_ASSIGN_OR_RETURN(std::string text, ReadText(index));
  XSD_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, index));
  if (!j.is_array()) return absl::InvalidArgumentError(absl::StrCat(index, ": expected a JSON list of samples"));
  std::vector<DsecScene> scenes;
  for (size_t i = 0; i < j.size(); ++i) {
    if (max_samples >= 0 && static_cast<int>(scenes.size()) >= max_samples) break;
    const nlohmann::json& e = j[i];
    const std::string where = absl::StrCat(index, ": entry ", i);
    if (!e.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": expected an object"));
    DsecScene scene;
    XSD_ASSIGN_OR_RETURN(scene.id, IdOf(e, where));
    auto video = e.find("video_data");
    if (video == e.end() || !video->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " (id ", scene.id, "): no 'video_data' string"));
    }
    std::string video_name = video->get<std::string>();
    if (!absl::EndsWith(video_name, ".mp4")) video_name += ".mp4";
    scene.video_path = (fs::path(dataset_dir) / "mp4" / video_name).string();
    auto images = e.find(event_image_key);
    if (images == e.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " (id ", scene.id, "): no '", event_image_key,
                                                     "' (see --event_image_key)"));
    }
    // A single file name is accepted as a list of one.
    std::vector<std::string> names;
    if (images->is_string()) {
      names.push_back(images->get<std::string>());
    } else if (images->is_array()) {
      for (const auto& n : *images) {
        if (!n.is_string()) return absl::InvalidArgumentError(absl::StrCat(where, ": '", event_image_key, "': expected file names"));
        names.push_back(n.get<std::string>());
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": '", event_image_key, "': expected a list of file names"));
    }
    if (names.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": '", event_image_key, "' is empty"));
    for (const std::string& n : names) scene.event_image_paths.push_back((fs::path(dataset_dir) / event_image_key / n).string());
    scenes.push_back(std::move(scene));
  }
  if (scenes.empty()) return absl::InvalidArgumentError(absl::StrCat(index, ": no samples"));
  return scenes;
}

absl::StatusOr<std::vector<BenchSample>> LoadBenchSamples(const DatasetOptions& o,
                                                          const std::vector<std::string>& questions) {
  if (o.n_questions > static_cast<int>(questions.size())) {
    return absl::InvalidArgumentError(absl::StrCat("--n_questions=", o.n_questions, ": the questions file has only ",
                                                   questions.size()));
  }
  std::vector<DsecScene> scenes;
  if (o.dataset_dir.empty()) {
    const int n = o.max_samples >= 0 ? std::min(o.max_samples, o.builtin_scenes) : o.builtin_scenes;
    for (int i = 0; i < n; ++i) {
      DsecScene s;
      s.id = absl::StrCat("builtin_", i < 10 ? "00" : (i < 100 ? "0" : ""), i);
      scenes.push_back(std::move(s));
    }
  } else {
    XSD_ASSIGN_OR_RETURN(scenes, ReadDsecDataset(o.dataset_dir, o.event_image_key, o.max_samples));
  }
  std::vector<BenchSample> samples;
  for (const DsecScene& scene : scenes) {
    for (int q = 0; q < o.n_questions; ++q) {
      BenchSample s;
      s.scene = scene.id;
      s.question_index = q;
      s.position = static_cast<int>(samples.size());
      s.request.id = absl::StrCat(scene.id, "/", q);
      s.request.question = questions[q];
      if (!scene.video_path.empty()) s.request.media[kVideoMedia] = {scene.video_path};
      if (!scene.event_image_paths.empty()) s.request.media[kEventImagesMedia] = scene.event_image_paths;
      s.request.seed = HashString(o.seed, s.request.id);
      samples.push_back(std::move(s));
    }
  }
  return samples;
}

}  // namespace xsd::bench
