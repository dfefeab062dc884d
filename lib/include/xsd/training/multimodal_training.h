// Training a Video-LLaVA- or EventGPT-shaped model (vision tower, projector,
// LLaMA) to answer questions about images or video: the small trained
// world's target and drafter (docs/training.md). The model is the runtime's
// own (VideoLlavaModel / EventGptModel built each step from the trainable
// leaves); its prompt is the one the runtime builds (VideoLlavaPromptIds,
// EventGptPromptIds); the loss is the cross-entropy of the answer's tokens
// and EOS, teacher-forced, after the prompt. One example is one image or
// video with all its questions: the prompt's part before the first token
// where the questions differ (the visual tokens included) is prefilled once
// into the KV cache and each question continues from it, as the runtime's
// cache would serve it. Validation: the loss and the token accuracy
// (argmax = the answer's token) on held-out examples.
//
// The checkpoint starts as a preset's random checkpoint (RandomCheckpoint-
// Options: config.json, tokenizer files, normal(0, 0.02) weights) written
// to `init_dir`, and the trained one is written the same way with the
// trained values, so it loads through the pipeline's loaders.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/training/train_loop.h"

namespace xsd {

class Tokenizer;

struct MultimodalExample {
  std::string id;
  // CLIP-preprocessed pixels: Video-LLaVA frames [F, 3, S, S]; EventGPT
  // event images [T, 3, S, S]. Or, when undefined, `render` makes them at
  // each use (many scenes without holding their pixels).
  at::Tensor pixels;
  std::function<absl::StatusOr<at::Tensor>()> render;
  struct Qa {
    std::string question;
    std::string answer;  // the words the model should say; EOS follows
    // Optional: a class per whitespace-separated word of `answer` (the
    // driving world's "color", "motion", ...), for per-class accuracy.
    std::vector<std::string> word_classes;
  };
  std::vector<Qa> qa;  // at least one (none in the vision stage)
  // Optional targets of the visual probe (MultimodalTrainingOptions::probe):
  // [slot][attribute] class indices, -1 where unknown.
  std::vector<std::vector<int>> probe_labels;
};

// An auxiliary loss that teaches the visual encoder directly: learned
// queries, one per slot (e.g. the driving world's three lanes), attend over
// the visual tokens the language model reads (after the projector), and a
// linear head per attribute classifies each slot's pooled token (class,
// colour, motion, speed). Its weights are trained with the model and never
// written: the checkpoint keeps the architecture's tensors only. Training
// a vision tower from scratch through the language loss alone left the
// world's models at the answers' prior (held-out class words 17-25 % right);
// the probe gives the tower a short gradient path to the scene's content.
struct VisualProbeOptions {
  int slots = 0;                         // 0: no probe
  std::vector<int> attribute_classes;    // classes of each attribute
  double weight = 1.0;                   // of the probe's mean cross-entropy in the loss
  // The vision stage: the probe alone trains the visual encoder (tower,
  // projector, adaptor), the language model is not run, and examples need
  // no questions. A language stage then starts from the written checkpoint
  // (MultimodalTrainingOptions::start_from).
  bool vision_only = false;
};

struct MultimodalTrainingOptions {
  std::string preset;         // "video_llava_world", "eventgpt_world" (xsd/vision/random_checkpoint.h)
  std::string tokenizer_dir;  // the checkpoint's tokenizer (copied into it)
  std::string init_dir;       // where the random starting checkpoint is written
  std::string start_from;     // non-empty: start from this checkpoint (one Write wrote) instead
  uint64_t seed = 0;          // its weights
  c10::ScalarType compute_dtype = c10::ScalarType::Float;
  VisualProbeOptions probe;
};

class MultimodalTrainingTask final : public TrainingTask {
 public:
  // `train` and `validation` examples are borrowed and must outlive the task.
  static absl::StatusOr<std::unique_ptr<MultimodalTrainingTask>> Create(
      const MultimodalTrainingOptions& options, const std::vector<MultimodalExample>* train,
      const std::vector<MultimodalExample>* validation);
  ~MultimodalTrainingTask() override;

  int64_t num_examples() const override { return static_cast<int64_t>(train_->size()); }
  TrainableParameters& parameters() override;
  absl::StatusOr<at::Tensor> Loss(absl::Span<const int64_t> batch) override;
  absl::StatusOr<std::map<std::string, double>> Validate() override;

  nlohmann::json Settings() const;
  // The current weights' greedy answer to question `q` of `example` (no
  // gradients), up to `max_tokens` or EOS, as text.
  absl::StatusOr<std::string> Answer(const MultimodalExample& example, int q, int max_tokens) const;
  // The trained checkpoint (config.json, weights in `dtype`, tokenizer).
  absl::Status Write(const std::string& dir, c10::ScalarType dtype) const;

 private:
  struct Impl;
  explicit MultimodalTrainingTask(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  const std::vector<MultimodalExample>* train_;
};

}  // namespace xsd
