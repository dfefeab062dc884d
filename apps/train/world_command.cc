// xsd_train world: trains the driving world's target (Video-LLaVA-shaped)
// and drafter (EventGPT-shaped) to answer the world's questions
// (docs/training.md), from the world's files (xsd_make_world --video_size 48
// --event_size 48).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "commands.h"
#include "flags.h"
#include "loop_flags.h"
#include "progress.h"
#include "xsd/base/status.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/driving_world.h"
#include "xsd/training/multimodal_training.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd::train {
namespace {

namespace fs = std::filesystem;

// The visual probe's targets (multimodal_training.h): one slot per lane
// (left, center, right), each with the class, colour, motion and speed of
// its object (index 0: no object there; the world puts at most one object in
// a lane). EventGPT's event image shows no colour: its colour is unknown.
const std::vector<std::vector<std::string>>& ProbeValues() {
  static const auto* values = new std::vector<std::vector<std::string>>{
      {"car", "truck", "bus", "pedestrian", "cyclist"},
      {"red", "blue", "yellow", "green", "white", "black"},
      {"left", "right", "toward", "away", "stopped"},
      {"none", "slow", "fast"}};
  return *values;
}
constexpr const char* kProbeAttributes[] = {"class", "color", "motion", "speed"};
constexpr const char* kLanes[] = {"left", "center", "right"};

// `objects`: each object's lane and attribute names (world.json's spelling).
std::vector<std::vector<int>> ProbeLabels(const std::vector<std::map<std::string, std::string>>& objects, bool video) {
  std::vector<std::vector<int>> labels(3, std::vector<int>(4, 0));
  for (auto& slot : labels) slot[1] = video ? 0 : -1;
  for (const auto& object : objects) {
    for (int lane = 0; lane < 3; ++lane) {
      if (object.count("lane") == 0 || object.at("lane") != kLanes[lane]) continue;
      for (int a = 0; a < 4; ++a) {
        if (a == 1 && !video) continue;
        const std::vector<std::string>& v = ProbeValues()[a];
        const auto named = object.find(kProbeAttributes[a]);
        const auto it = named == object.end() ? v.end() : std::find(v.begin(), v.end(), named->second);
        labels[lane][a] = it == v.end() ? -1 : 1 + static_cast<int>(it - v.begin());
      }
    }
  }
  return labels;
}

std::vector<std::vector<int>> ProbeLabels(const nlohmann::json& scene, bool video) {
  std::vector<std::map<std::string, std::string>> objects;
  if (scene.contains("objects")) {
    for (const nlohmann::json& o : scene["objects"]) {
      std::map<std::string, std::string> named;
      for (const char* key : {"lane", "class", "color", "motion", "speed"}) named[key] = o.value(key, "");
      objects.push_back(std::move(named));
    }
  }
  return ProbeLabels(objects, video);
}

// The world's rendered scenes [first, first + count) of `seed` for the
// vision stage: pixels made at each use (the renderer's, without the MP4
// round trip), probe labels from the ground truth, no questions.
std::vector<MultimodalExample> RenderedExamples(uint64_t seed, int first, int count, bool video, int size) {
  std::vector<MultimodalExample> out;
  for (int i = first; i < first + count; ++i) {
    const DrivingScene scene = MakeDrivingScene(seed, i);
    MultimodalExample e;
    e.id = DrivingSceneId(i);
    e.render = [scene, video, size]() {
      return video ? DrivingVideoPixels(scene, size) : DrivingEventPixels(scene, size);
    };
    std::vector<std::map<std::string, std::string>> objects;
    for (const DrivingObject& o : scene.objects) {
      const bool stopped = o.motion == DrivingMotion::kStopped;
      objects.push_back({{"lane", DrivingName(o.lane)}, {"class", DrivingName(o.object_class)},
                         {"color", DrivingName(o.color)}, {"motion", DrivingName(o.motion)},
                         {"speed", stopped ? "none" : DrivingName(o.speed)}});
    }
    e.probe_labels = ProbeLabels(objects, video);
    out.push_back(std::move(e));
  }
  return out;
}

// world.json's header fields of a split: seed, image side of the model's input.
absl::StatusOr<std::pair<uint64_t, int>> WorldSeedAndSize(const fs::path& split, bool video) {
  const fs::path index = split / kDrivingWorldFile;
  std::ifstream in(index);
  if (!in) return absl::NotFoundError(absl::StrCat(index.string(), ": cannot open (write the world with xsd_make_world)"));
  const nlohmann::json world = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (world.is_discarded() || !world.is_object()) return absl::InvalidArgumentError(index.string() + ": not JSON");
  const int size = world.value(video ? "video_size" : "event_size", 0);
  if (size <= 0) return absl::InvalidArgumentError(index.string() + ": no video_size / event_size");
  return std::make_pair(world.value("seed", uint64_t{0}), size);
}

// The first `max_scenes` scenes of a split of the world's files
// (xsd_make_world), each with every question, and the pixels the model reads
// through the runtime's own loaders (MP4 frames for Video-LLaVA, the event
// PNG for EventGPT), so training sees what inference will.
absl::StatusOr<std::vector<MultimodalExample>> WorldExamples(const fs::path& split, bool video, int max_scenes) {
  const fs::path index = split / kDrivingWorldFile;
  const std::string where = index.string();
  std::ifstream in(index);
  if (!in) return absl::NotFoundError(absl::StrCat(where, ": cannot open (write the world with xsd_make_world)"));
  const nlohmann::json world = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (world.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(where, ": not JSON"));
  if (!world.is_object() || !world.contains("scenes") || !world["scenes"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no 'scenes' list"));
  }
  const int size = world.value(video ? "video_size" : "event_size", 0);
  const int frames = world.value("frames", 0);
  if (size <= 0 || frames <= 0) return absl::InvalidArgumentError(absl::StrCat(where, ": no video_size/event_size/frames"));
  std::vector<MultimodalExample> out;
  for (const nlohmann::json& scene : world["scenes"]) {
    if (static_cast<int>(out.size()) == max_scenes) break;
    MultimodalExample e;
    e.id = scene.value("id", "");
    if (e.id.empty() || !scene.contains("qa")) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": scene ", out.size(), ": no id or qa"));
    }
    if (video) {
      XSD_ASSIGN_OR_RETURN(e.pixels, LoadVideoPixels((split / "mp4" / (e.id + ".mp4")).string(), frames,
                                                     FrameSampling::kUniform, size));
    } else {
      XSD_ASSIGN_OR_RETURN(e.pixels, LoadEventPixels({(split / "event_image" / (e.id + ".png")).string()}, size));
    }
    e.probe_labels = ProbeLabels(scene, video);
    for (const nlohmann::json& qa : scene["qa"]) {
      e.qa.push_back({qa.value("question", ""), qa.value("answer", ""),
                      qa.value("word_classes", std::vector<std::string>())});
    }
    out.push_back(std::move(e));
  }
  if (static_cast<int>(out.size()) < max_scenes) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", out.size(), " scenes, ", max_scenes, " asked for"));
  }
  return out;
}

// "A Blue cyclist." -> {"a", "blue", "cyclist"}.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  for (absl::string_view w : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::string word = absl::AsciiStrToLower(w);
    while (!word.empty() && (word.back() == '.' || word.back() == ',')) word.pop_back();
    words.push_back(word);
  }
  return words;
}

// The greedy answers of the current weights to every question of
// `examples`, scored against the world's answers: exact answers, and words
// right at their position per word class.
absl::StatusOr<nlohmann::json> Accuracy(const MultimodalTrainingTask& task,
                                        const std::vector<MultimodalExample>& examples) {
  int64_t answers = 0, exact = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> words;  // class -> (right, total)
  nlohmann::json samples = nlohmann::json::array();
  for (const MultimodalExample& e : examples) {
    for (int q = 0; q < static_cast<int>(e.qa.size()); ++q) {
      XSD_ASSIGN_OR_RETURN(const std::string said, task.Answer(e, q, 40));
      const std::vector<std::string> want = Words(e.qa[q].answer), got = Words(said);
      ++answers;
      exact += want == got;
      for (size_t w = 0; w < want.size(); ++w) {
        const std::string cls = w < e.qa[q].word_classes.size() ? e.qa[q].word_classes[w] : "other";
        auto& [right, total] = words[cls];
        ++total;
        right += w < got.size() && got[w] == want[w];
      }
      if (samples.size() < 16) samples.push_back({{"id", e.id}, {"question", e.qa[q].question},
                                                  {"answer", e.qa[q].answer}, {"said", said}});
    }
  }
  nlohmann::json j = {{"answers", answers},
                      {"exact", answers > 0 ? static_cast<double>(exact) / answers : 0.0},
                      {"word_accuracy", nlohmann::json::object()},
                      {"samples", samples}};
  for (const auto& [cls, counts] : words) {
    j["word_accuracy"][cls] = {{"right", counts.first}, {"words", counts.second},
                               {"accuracy", static_cast<double>(counts.first) / counts.second}};
  }
  return j;
}

void PrintAccuracy(const std::string& model, const nlohmann::json& a) {
  std::fprintf(stderr, "%s: held-out answers exact %.1f%% of %lld; words right by class:", model.c_str(),
               100.0 * a["exact"].get<double>(), static_cast<long long>(a["answers"].get<int64_t>()));
  for (const auto& [cls, v] : a["word_accuracy"].items()) {
    std::fprintf(stderr, " %s %.1f%%", cls.c_str(), 100.0 * v["accuracy"].get<double>());
  }
  std::fprintf(stderr, "\n");
}

}  // namespace

absl::Status WorldCommand(int argc, char** argv, int first) {
  XSD_ASSIGN_OR_RETURN(const Flags f, Flags::Parse(argc, argv, first,
                                                   WithLoopFlags({{"out", ""},
                                                                  {"world", ""},
                                                                  {"tokenizer", "tests/data/tokenizer/llama"},
                                                                  {"models", "video_llava,eventgpt"},
                                                                  {"train_scenes", "600"},
                                                                  {"val_scenes", "40"},
                                                                  {"evaluate_only", "false"},
                                                                  {"probe_weight", "1"},
                                                                  {"vision_scenes", "0"},
                                                                  {"vision_epochs", "4"},
                                                                  {"vision_batch_size", "32"},
                                                                  {"vision_lr", "1e-3"}},
                                                                 /*epochs=*/16, /*batch_size=*/16, "2e-3")));
  if (f.Str("out").empty()) return absl::InvalidArgumentError("--out: required (the world's model directory)");
  if (f.Str("world").empty()) return absl::InvalidArgumentError("--world: required (the files xsd_make_world wrote)");
  PrintRunHeader("world", f);
  const fs::path world(f.Str("world"));
  XSD_ASSIGN_OR_RETURN(const int64_t train_scenes, f.Int("train_scenes"));
  XSD_ASSIGN_OR_RETURN(const int64_t val_scenes, f.Int("val_scenes"));
  XSD_ASSIGN_OR_RETURN(const bool quiet, f.Bool("quiet"));
  XSD_ASSIGN_OR_RETURN(const bool evaluate_only, f.Bool("evaluate_only"));
  XSD_ASSIGN_OR_RETURN(TrainLoopOptions loop, LoopOptionsFromFlags(f, ""));
  const uint64_t seed = loop.seed;
  for (absl::string_view model : absl::StrSplit(f.Str("models"), ',', absl::SkipEmpty())) {
    const bool video = model == "video_llava";
    if (!video && model != "eventgpt") {
      return absl::InvalidArgumentError(absl::StrCat("--models: '", model, "' (expected video_llava, eventgpt)"));
    }
    XSD_ASSIGN_OR_RETURN(const std::vector<MultimodalExample> train,
                         WorldExamples(world / kDrivingTrainDir, video, static_cast<int>(train_scenes)));
    XSD_ASSIGN_OR_RETURN(const std::vector<MultimodalExample> validation,
                         WorldExamples(world / kDrivingHeldOutDir, video, static_cast<int>(val_scenes)));
    const fs::path run = fs::path(f.Str("out")) / "runs" / std::string(model);
    MultimodalTrainingOptions o;
    o.preset = absl::StrCat(model, "_world");
    o.tokenizer_dir = f.Str("tokenizer");
    o.init_dir = (run / "init").string();
    o.seed = static_cast<uint64_t>(seed);
    const std::string dir = (fs::path(f.Str("out")) / std::string(model)).string();
    if (evaluate_only) o.start_from = dir;
    XSD_ASSIGN_OR_RETURN(o.probe.weight, f.Double("probe_weight"));
    if (o.probe.weight > 0) {
      o.probe.slots = 3;
      for (const auto& v : ProbeValues()) o.probe.attribute_classes.push_back(1 + static_cast<int>(v.size()));
    }
    // The vision stage: the probe alone on many rendered scenes, then the
    // language stage starts from its checkpoint.
    XSD_ASSIGN_OR_RETURN(const int64_t vision_scenes, f.Int("vision_scenes"));
    if (vision_scenes > 0 && !evaluate_only) {
      if (o.probe.slots == 0) return absl::InvalidArgumentError("--vision_scenes needs --probe_weight > 0");
      const fs::path vision_dir = run / "vision";
      const std::string vision_model = (vision_dir / "model").string();
      if (!fs::exists(fs::path(vision_model) / "model.safetensors")) {
        XSD_ASSIGN_OR_RETURN(const auto seed_size, WorldSeedAndSize(world / kDrivingTrainDir, video));
        const std::vector<MultimodalExample> vision_train =
            RenderedExamples(seed_size.first, 0, static_cast<int>(vision_scenes), video, seed_size.second);
        const std::vector<MultimodalExample> vision_val = RenderedExamples(
            seed_size.first, kDrivingHeldOutFirstIndex, static_cast<int>(val_scenes) * 4, video, seed_size.second);
        MultimodalTrainingOptions vo = o;
        vo.probe.vision_only = true;
        XSD_ASSIGN_OR_RETURN(std::unique_ptr<MultimodalTrainingTask> vision,
                             MultimodalTrainingTask::Create(vo, &vision_train, &vision_val));
        TrainLoopOptions vloop = loop;
        XSD_ASSIGN_OR_RETURN(const int64_t vepochs, f.Int("vision_epochs"));
        XSD_ASSIGN_OR_RETURN(const int64_t vbatch, f.Int("vision_batch_size"));
        XSD_ASSIGN_OR_RETURN(vloop.optimizer.lr, f.Double("vision_lr"));
        vloop.epochs = static_cast<int>(vepochs);
        vloop.batch_size = static_cast<int>(vbatch);
        vloop.out_dir = vision_dir.string();
        vloop.settings = {{"flags", FlagSettings(f)}, {"task", vision->Settings()}, {"stage", "vision"}};
        ProgressPrinter vprogress(absl::StrCat(model, " vision"), quiet);
        XSD_ASSIGN_OR_RETURN(const TrainResult vresult,
                             RunTraining(*vision, vloop, [&](const StepProgress& p) { vprogress.Step(p); },
                                         [&](const EpochMetrics& m) { vprogress.Epoch(m); }));
        if (!vresult.finished) return absl::OkStatus();
        XSD_RETURN_IF_ERROR(vision->Write(vision_model, c10::ScalarType::Float));
      }
      o.start_from = vision_model;
    }
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<MultimodalTrainingTask> task,
                         MultimodalTrainingTask::Create(o, &train, &validation));
    if (evaluate_only) {
      XSD_ASSIGN_OR_RETURN(const nlohmann::json accuracy, Accuracy(*task, validation));
      PrintAccuracy(std::string(model), accuracy);
      std::ofstream((run / "accuracy.json").string()) << accuracy.dump(1) << "\n";
      continue;
    }
    loop.out_dir = run.string();
    loop.settings = {{"flags", FlagSettings(f)}, {"task", task->Settings()}};
    ProgressPrinter progress(std::string(model), quiet);
    XSD_ASSIGN_OR_RETURN(const TrainResult result,
                         RunTraining(*task, loop, [&](const StepProgress& p) { progress.Step(p); },
                                     [&](const EpochMetrics& m) { progress.Epoch(m); }));
    if (!result.finished) return absl::OkStatus();
    // Float32: the bench runs exactly the weights evaluated here.
    XSD_RETURN_IF_ERROR(task->Write(dir, c10::ScalarType::Float));
    std::fprintf(stderr, "%s: wrote %s\n", std::string(model).c_str(), dir.c_str());
    XSD_ASSIGN_OR_RETURN(const nlohmann::json accuracy, Accuracy(*task, validation));
    PrintAccuracy(std::string(model), accuracy);
    std::ofstream((run / "accuracy.json").string()) << accuracy.dump(1) << "\n";
  }
  return absl::OkStatus();
}

}  // namespace xsd::train
