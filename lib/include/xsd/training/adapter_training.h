// Training the hidden-state adapters and decode heads of the research
// (FACTS.md §3: L1, L2, L3, L4, L5, B1, L5F) on a FeatureSet, with the
// research's losses or with acceptance-aware ones through the frozen target
// LM head, and writing the result in the safetensors layout the pipeline
// reads (AdapterConfig.checkpoint; InferAdapterDims).
//
// Inputs and targets per kind (one example = one row for L1–L3, one sample's
// sequence for L4, L5, B1, L5F):
//   L1–L4   drafter state j   → target state j
//   L5      drafter states    → target state j + 1 at row j (causal)
//   B1      target states     → target state j + 1 at row j (causal; no modality gap)
//   L5F     both              → target state j + 1 at row j (causal)
// Losses (means over rows): research: L1–L4 MSE + 0.5 (1 − cos); L5, B1,
// L5F 0.5 (MSE + 0.5 (1 − cos)) + 0.5 MSE, the regression on the shifted
// target. Acceptance-aware: cross-entropy of lm_head(output) to the target's
// token at the row's predicted position (what greedy acceptance checks),
// alone or added to the research loss (`ce_weight`).
// Validation (held-out samples): the losses, the fraction of rows with
// cos ≥ 0.9 (the research's offline acceptance) and top-1 agreement:
// argmax(lm_head(output)) equal to the target's token.
#pragma once

#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/training/feature_set.h"
#include "xsd/training/train_loop.h"

namespace xsd {

enum class AdapterLoss {
  kResearch,      // FACTS.md §3
  kCrossEntropy,  // CE to the target's token through its LM head
  kResearchAndCE  // research + ce_weight * CE
};
const char* AdapterLossName(AdapterLoss loss);  // "research", "ce", "research+ce"
absl::StatusOr<AdapterLoss> ParseAdapterLoss(const std::string& name);

struct AdapterTrainingOptions {
  AdapterKind kind = AdapterKind::kL1;
  // Widths other than `hidden` (set from the feature set): bottleneck, heads, ffn, positions...
  AdapterDims dims;
  AdapterLoss loss = AdapterLoss::kResearch;
  double ce_weight = 1.0;
  c10::ScalarType compute_dtype = c10::ScalarType::Float;  // bf16: mixed precision (float32 master weights)
  double validation_fraction = 0.1;  // samples held out (every k-th, k = 1 / fraction)
  uint64_t seed = 0;                 // initial weights
};

class AdapterTrainingTask;

// `lm_head`: the target's LM head [vocab, d_v] (frozen; needed by the CE loss
// and the top-1 metric). Errors: an adapter whose widths differ (drafter and
// target hidden sizes must match for L1–L4, L5 and L5F), too few samples,
// sequences longer than the positional table.
absl::StatusOr<std::unique_ptr<AdapterTrainingTask>> MakeAdapterTrainingTask(const FeatureSet& features,
                                                                            const at::Tensor& lm_head,
                                                                            const AdapterTrainingOptions& options);

class AdapterTrainingTask final : public TrainingTask {
 public:
  int64_t num_examples() const override { return static_cast<int64_t>(train_examples_.size()); }
  TrainableParameters& parameters() override { return params_; }
  absl::StatusOr<at::Tensor> Loss(absl::Span<const int64_t> batch) override;
  absl::StatusOr<std::map<std::string, double>> Validate() override;

  const AdapterTrainingOptions& options() const { return options_; }
  // The settings to record (kind, dims, loss, ...).
  nlohmann::json Settings() const;
  // The trained adapter, in the research's parameter names, with
  // metadata "config" (num_heads, kind, loss) that InferAdapterDims reads.
  absl::Status Write(const std::string& path, const nlohmann::json& run_settings) const;

 private:
  friend absl::StatusOr<std::unique_ptr<AdapterTrainingTask>> MakeAdapterTrainingTask(const FeatureSet&,
                                                                                     const at::Tensor&,
                                                                                     const AdapterTrainingOptions&);
  AdapterTrainingTask(const FeatureSet& features, at::Tensor lm_head, AdapterTrainingOptions options,
                      TrainableParameters params);
  // Loss and metrics of one example (row range) with the adapter built from
  // the current leaves.
  struct ExampleOut {
    at::Tensor loss;            // scalar, graph attached
    int64_t rows = 0;           // rows the loss averages over
    at::Tensor output, target;  // [rows, d]: for metrics
    at::Tensor tokens;          // [rows] int64: the tokens the rows predict
  };
  absl::StatusOr<ExampleOut> RunExample(const class Adapter& adapter, int64_t example, bool validation) const;
  std::pair<int64_t, int64_t> RowRange(int64_t example, bool validation) const;

  const FeatureSet& features_;
  at::Tensor lm_head_;
  AdapterTrainingOptions options_;
  TrainableParameters params_;
  bool per_row_ = false;       // L1–L3: one example per row
  bool next_state_ = false;    // L5, B1, L5F: row j predicts target state j + 1
  std::vector<int> train_sequences_, val_sequences_;
  std::vector<int64_t> train_examples_;  // rows (per_row_) or sequence indices
};

}  // namespace xsd
