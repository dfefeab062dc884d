// xsd_train world: trains the driving world's target (Video-LLaVA-shaped)
// and drafter (EventGPT-shaped) to answer the world's questions
// (docs/training.md), from scenes rendered in memory (xsd/media/driving_*).
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/Parallel.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "commands.h"
#include "flags.h"
#include "progress.h"
#include "xsd/base/status.h"
#include "xsd/media/driving_questions.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/driving_world.h"
#include "xsd/training/multimodal_training.h"

namespace xsd::train {
namespace {

namespace fs = std::filesystem;

// Scenes [first, first + count), each with every question, and the pixels the model reads.
absl::StatusOr<std::vector<MultimodalExample>> WorldExamples(uint64_t seed, int first, int count, bool video,
                                                              int size) {
  std::vector<MultimodalExample> out;
  for (int i = first; i < first + count; ++i) {
    const DrivingScene scene = MakeDrivingScene(seed, i);
    XSD_ASSIGN_OR_RETURN(at::Tensor pixels, video ? DrivingVideoPixels(scene, size) : DrivingEventPixels(scene, size));
    MultimodalExample e;
    e.id = DrivingSceneId(i);
    e.pixels = pixels;
    for (const WorldQa& qa : DrivingQuestions(scene)) e.qa.push_back({qa.question, qa.answer});
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

absl::Status WorldCommand(int argc, char** argv, int first) {
  XSD_ASSIGN_OR_RETURN(const Flags f, Flags::Parse(argc, argv, first,
                                                   {{"out", ""},
                                                    {"tokenizer", "tests/data/tokenizer/llama"},
                                                    {"models", "video_llava,eventgpt"},
                                                    {"train_scenes", "600"},
                                                    {"val_scenes", "40"},
                                                    {"seed", "0"},
                                                    {"epochs", "6"},
                                                    {"batch_size", "16"},
                                                    {"lr", "2e-3"},
                                                    {"video_size", "48"},
                                                    {"event_size", "48"},
                                                    {"checkpoint_every", "50"},
                                                    {"resume", "false"},
                                                    {"threads", "0"},
                                                    {"quiet", "false"}}));
  if (f.Str("out").empty()) return absl::InvalidArgumentError("--out: required (the world's model directory)");
  XSD_ASSIGN_OR_RETURN(const int64_t train_scenes, f.Int("train_scenes"));
  XSD_ASSIGN_OR_RETURN(const int64_t val_scenes, f.Int("val_scenes"));
  XSD_ASSIGN_OR_RETURN(const int64_t seed, f.Int("seed"));
  XSD_ASSIGN_OR_RETURN(const int64_t threads, f.Int("threads"));
  XSD_ASSIGN_OR_RETURN(const bool quiet, f.Bool("quiet"));
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
  TrainLoopOptions loop;
  XSD_ASSIGN_OR_RETURN(const int64_t epochs, f.Int("epochs"));
  XSD_ASSIGN_OR_RETURN(const int64_t batch, f.Int("batch_size"));
  XSD_ASSIGN_OR_RETURN(loop.optimizer.lr, f.Double("lr"));
  XSD_ASSIGN_OR_RETURN(loop.checkpoint_every, f.Int("checkpoint_every"));
  XSD_ASSIGN_OR_RETURN(loop.resume, f.Bool("resume"));
  loop.epochs = static_cast<int>(epochs);
  loop.batch_size = static_cast<int>(batch);
  loop.seed = static_cast<uint64_t>(seed);
  for (absl::string_view model : absl::StrSplit(f.Str("models"), ',', absl::SkipEmpty())) {
    const bool video = model == "video_llava";
    if (!video && model != "eventgpt") {
      return absl::InvalidArgumentError(absl::StrCat("--models: '", model, "' (expected video_llava, eventgpt)"));
    }
    XSD_ASSIGN_OR_RETURN(const int64_t size, f.Int(video ? "video_size" : "event_size"));
    XSD_ASSIGN_OR_RETURN(const std::vector<MultimodalExample> train,
                         WorldExamples(seed, 0, static_cast<int>(train_scenes), video, static_cast<int>(size)));
    XSD_ASSIGN_OR_RETURN(const std::vector<MultimodalExample> validation,
                         WorldExamples(seed, kDrivingHeldOutFirstIndex, static_cast<int>(val_scenes), video,
                                       static_cast<int>(size)));
    const fs::path run = fs::path(f.Str("out")) / "runs" / std::string(model);
    MultimodalTrainingOptions o;
    o.preset = absl::StrCat(model, "_world");
    o.tokenizer_dir = f.Str("tokenizer");
    o.init_dir = (run / "init").string();
    o.seed = static_cast<uint64_t>(seed);
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<MultimodalTrainingTask> task,
                         MultimodalTrainingTask::Create(o, &train, &validation));
    loop.out_dir = run.string();
    loop.settings = task->Settings();
    loop.settings["world"] = {{"seed", seed}, {"train_scenes", train_scenes}, {"val_scenes", val_scenes},
                              {"image_size", size}};
    loop.settings["loop"] = {{"epochs", epochs}, {"batch_size", batch}, {"lr", loop.optimizer.lr}};
    ProgressPrinter progress(std::string(model), quiet);
    XSD_ASSIGN_OR_RETURN(const TrainResult result,
                         RunTraining(*task, loop, [&](const StepProgress& p) { progress.Step(p); },
                                     [&](const EpochMetrics& m) { progress.Epoch(m); }));
    if (!result.finished) return absl::OkStatus();
    const std::string dir = (fs::path(f.Str("out")) / std::string(model)).string();
    XSD_RETURN_IF_ERROR(task->Write(dir, c10::ScalarType::BFloat16));
    std::fprintf(stderr, "%s: wrote %s\n", std::string(model).c_str(), dir.c_str());
  }
  return absl::OkStatus();
}

}  // namespace xsd::train
