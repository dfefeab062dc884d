// Training the EAGLE-1 draft head (FACTS.md §6; xsd/drafters/eagle_head.h)
// on the target's own sequences (ExtractTargetSequences: the feature set's
// drafter_hidden holds the target's input embeddings, target_hidden its
// post-final-norm states, target_tokens its greedy tokens). Row i of a
// sequence reads [embedding at i + 1; state at i] through the head's own KV
// cache, as EagleDrafter::Observe feeds it, and predicts the state at i + 1:
//   loss = regression_weight * SmoothL1(out_i, state_{i+1})
//        + ce_weight * CE(lm_head(out_i), token_{i+1})
// (EAGLE-1's regression plus 0.1 classification). Validation: the loss and
// top-1 agreement argmax(lm_head(out_i)) == token_{i+1} on held-out
// sequences (prompt rows included; the bench measures online acceptance).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/models/llama_config.h"
#include "xsd/training/feature_set.h"
#include "xsd/training/parameters.h"
#include "xsd/training/train_loop.h"

namespace xsd {

struct EagleTrainingOptions {
  double regression_weight = 1.0;
  double ce_weight = 0.1;
  c10::ScalarType compute_dtype = c10::ScalarType::Float;
  double validation_fraction = 0.1;  // sequences held out (every k-th)
  uint64_t seed = 0;                 // initial weights
};

// `head_config`: the head's LLaMA shape (the target's: hidden, heads,
// intermediate, rope; one layer is used). `lm_head`: the target's [vocab, d].
absl::StatusOr<std::unique_ptr<class EagleTrainingTask>> MakeEagleTrainingTask(const FeatureSet& sequences,
                                                                                const at::Tensor& lm_head,
                                                                                const LlamaConfig& head_config,
                                                                                const EagleTrainingOptions& options);

class EagleTrainingTask final : public TrainingTask {
 public:
  int64_t num_examples() const override { return static_cast<int64_t>(train_.size()); }
  TrainableParameters& parameters() override { return params_; }
  absl::StatusOr<at::Tensor> Loss(absl::Span<const int64_t> batch) override;
  absl::StatusOr<std::map<std::string, double>> Validate() override;

  nlohmann::json Settings() const;
  // config.json (a one-layer LLaMA config) and model.safetensors in the
  // published EAGLE names, loadable as EagleOptions.checkpoint.path.
  absl::Status Write(const std::string& dir, const nlohmann::json& run_settings) const;

 private:
  friend absl::StatusOr<std::unique_ptr<EagleTrainingTask>> MakeEagleTrainingTask(const FeatureSet&, const at::Tensor&,
                                                                                  const LlamaConfig&,
                                                                                  const EagleTrainingOptions&);
  EagleTrainingTask(const FeatureSet& sequences, at::Tensor lm_head, LlamaConfig config, EagleTrainingOptions options,
                    TrainableParameters params);
  struct SequenceOut {
    at::Tensor loss;  // summed over rows
    int64_t rows = 0;
    at::Tensor hits;  // bool [rows]
  };
  absl::StatusOr<SequenceOut> RunSequence(const class EagleHead& head, int sequence) const;
  absl::StatusOr<std::unique_ptr<EagleHead>> BuildHead() const;

  const FeatureSet& set_;
  at::Tensor lm_head_;
  LlamaConfig config_;
  EagleTrainingOptions options_;
  TrainableParameters params_;
  std::vector<int> train_, validation_;
};

}  // namespace xsd
