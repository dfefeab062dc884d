// xsd_train world: trains the driving world's target (Video-LLaVA-shaped)
// and drafter (EventGPT-shaped) to answer the world's questions
// (docs/training.md), from the world's files (xsd_make_world --video_size 48
// --event_size 48).
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
#include "xsd/media/driving_world.h"
#include "xsd/training/multimodal_training.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd::train {
namespace {

namespace fs = std::filesystem;

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
                                                                  {"evaluate_only", "false"}},
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
