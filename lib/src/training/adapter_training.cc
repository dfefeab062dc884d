#include "xsd/training/adapter_training.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

bool IsNextState(AdapterKind k) { return k == AdapterKind::kL5 || k == AdapterKind::kB1 || k == AdapterKind::kL5F; }
bool IsPerRow(AdapterKind k) { return k == AdapterKind::kL1 || k == AdapterKind::kL2 || k == AdapterKind::kL3; }

// MSE + 0.5 (1 - cos), summed over rows.
at::Tensor AlignSum(const at::Tensor& out, const at::Tensor& target) {
  const at::Tensor mse = (out - target).pow(2).mean(-1);
  const at::Tensor cos = at::cosine_similarity(out, target, -1);
  return (mse + 0.5 * (1 - cos)).sum();
}

}  // namespace

const char* AdapterLossName(AdapterLoss loss) {
  switch (loss) {
    case AdapterLoss::kCrossEntropy: return "ce";
    case AdapterLoss::kResearchAndCE: return "research+ce";
    case AdapterLoss::kResearch: break;
  }
  return "research";
}

absl::StatusOr<AdapterLoss> ParseAdapterLoss(const std::string& name) {
  for (AdapterLoss l : {AdapterLoss::kResearch, AdapterLoss::kCrossEntropy, AdapterLoss::kResearchAndCE}) {
    if (name == AdapterLossName(l)) return l;
  }
  return absl::InvalidArgumentError(absl::StrCat("loss '", name, "': expected research, ce or research+ce"));
}

absl::StatusOr<std::unique_ptr<AdapterTrainingTask>> MakeAdapterTrainingTask(const FeatureSet& features,
                                                                            const at::Tensor& lm_head,
                                                                            const AdapterTrainingOptions& options) {
  const std::string who = absl::StrCat("training adapter ", AdapterKindName(options.kind));
  if (options.kind == AdapterKind::kIdentity) return absl::InvalidArgumentError(who + ": the identity has no weights");
  const FeatureSetInfo& info = features.info();
  const bool drafter_input = options.kind != AdapterKind::kB1;
  if (drafter_input && info.drafter_hidden_size != info.target_hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": drafter hidden size ", info.drafter_hidden_size,
                                                   " differs from the target's ", info.target_hidden_size,
                                                   " (the research adapters keep one width d)"));
  }
  if (!lm_head.defined() || lm_head.dim() != 2 || lm_head.size(1) != info.target_hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": the target LM head must be [vocab, ", info.target_hidden_size,
                                                   "], got ", lm_head.defined() ? c10::str(lm_head.sizes()) : "none"));
  }
  AdapterTrainingOptions o = options;
  o.dims.hidden = info.target_hidden_size;
  if (o.dims.heads < 1 || o.dims.hidden % o.dims.heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": width ", o.dims.hidden, " is not divisible by ",
                                                   o.dims.heads, " heads"));
  }
  const c10::Device device = features.target_hidden().device();
  XSD_ASSIGN_OR_RETURN(TrainableParameters params,
                       TrainableParameters::FromSpecs(AdapterParameters(o.kind, o.dims), o.seed, device));
  XSD_ASSIGN_OR_RETURN(at::Tensor head, TorchCall(who, [&]() -> absl::StatusOr<at::Tensor> {
                         return lm_head.detach().to(device, at::kFloat);
                       }));
  std::unique_ptr<AdapterTrainingTask> task(new AdapterTrainingTask(features, head, o, std::move(params)));
  // Held-out samples: every k-th.
  const int k = o.validation_fraction > 0 ? std::max(2, static_cast<int>(std::lround(1.0 / o.validation_fraction))) : 0;
  for (int s = 0; s < features.sequences(); ++s) {
    const int64_t n = features.offset(s + 1) - features.offset(s);
    if (task->next_state_ && n < 2) continue;  // nothing to predict
    if (task->next_state_ && n - 1 > o.dims.max_positions) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": sample '", features.sample_ids()[s], "' has ", n,
                                                     " rows, more than the positional table's ", o.dims.max_positions));
    }
    (k > 0 && s % k == k - 1 ? task->val_sequences_ : task->train_sequences_).push_back(s);
  }
  if (task->train_sequences_.empty() || (k > 0 && task->val_sequences_.empty())) {
    return absl::FailedPreconditionError(absl::StrCat(who, ": ", features.sequences(), " samples are too few to train (",
                                                      task->train_sequences_.size(), ") and validate (",
                                                      task->val_sequences_.size(), ")"));
  }
  for (int s : task->train_sequences_) {
    if (task->per_row_) {
      for (int64_t r = features.offset(s); r < features.offset(s + 1); ++r) task->train_examples_.push_back(r);
    } else {
      task->train_examples_.push_back(s);
    }
  }
  return task;
}

AdapterTrainingTask::AdapterTrainingTask(const FeatureSet& features, at::Tensor lm_head, AdapterTrainingOptions options,
                                         TrainableParameters params)
    : features_(features),
      lm_head_(std::move(lm_head)),
      options_(std::move(options)),
      params_(std::move(params)),
      per_row_(IsPerRow(options_.kind)),
      next_state_(IsNextState(options_.kind)) {}

std::pair<int64_t, int64_t> AdapterTrainingTask::RowRange(int64_t example, bool validation) const {
  const int s = validation || !per_row_ ? static_cast<int>(example) : -1;
  if (s < 0) return {example, example + 1};
  return {features_.offset(s), features_.offset(s + 1)};
}

absl::StatusOr<AdapterTrainingTask::ExampleOut> AdapterTrainingTask::RunExample(const Adapter& adapter, int64_t example,
                                                                                bool validation) const {
  const auto [begin, end] = RowRange(example, validation);
  const int64_t n = end - begin;
  // Inputs are rows [begin, end - shift) and targets [begin + shift, end).
  const int64_t shift = next_state_ ? 1 : 0;
  const at::Tensor drafter = features_.drafter_hidden().narrow(0, begin, n - shift);
  const at::Tensor target_in = features_.target_hidden().narrow(0, begin, n - shift);
  AdapterInput in;
  if (options_.kind == AdapterKind::kB1) {
    in.target_hidden = &target_in;
  } else {
    in.drafter_hidden = &drafter;
    if (options_.kind == AdapterKind::kL5F) in.target_hidden = &target_in;
  }
  at::Tensor mapped;
  XSD_RETURN_IF_ERROR(adapter.Map(in, &mapped));
  ExampleOut out;
  out.rows = n - shift;
  out.output = mapped.to(at::kFloat);
  out.target = features_.target_hidden().narrow(0, begin + shift, n - shift);
  out.tokens = features_.target_tokens().narrow(0, begin + shift, n - shift);
  at::Tensor research = next_state_
                            ? 0.5 * AlignSum(out.output, out.target) + 0.5 * (out.output - out.target).pow(2).mean(-1).sum()
                            : AlignSum(out.output, out.target);
  const bool ce = options_.loss != AdapterLoss::kResearch;
  at::Tensor loss = options_.loss == AdapterLoss::kCrossEntropy ? at::zeros({}, research.options()) : research;
  if (ce) {
    const at::Tensor logits = at::matmul(out.output, lm_head_.t());
    const at::Tensor cross = at::cross_entropy_loss(logits, out.tokens, {}, at::Reduction::Sum);
    loss = loss + options_.ce_weight * cross;
  }
  out.loss = loss;
  return out;
}

absl::StatusOr<at::Tensor> AdapterTrainingTask::Loss(absl::Span<const int64_t> batch) {
  const std::string who = absl::StrCat("training adapter ", AdapterKindName(options_.kind));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<MapWeightSource> source, TorchCall(who, [&]() -> absl::StatusOr<std::unique_ptr<MapWeightSource>> {
                         return params_.AsSource(options_.compute_dtype, "<trainable " + who + ">");
                       }));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> adapter, LoadAdapter(options_.kind, options_.dims, *source));
  return TorchCall(who, [&]() -> absl::StatusOr<at::Tensor> {
    if (per_row_) {  // one Map over the batch's rows
      const at::Tensor rows = at::tensor(std::vector<int64_t>(batch.begin(), batch.end()),
                                         at::TensorOptions().dtype(at::kLong)).to(features_.drafter_hidden().device());
      const at::Tensor drafter = features_.drafter_hidden().index_select(0, rows);
      AdapterInput in;
      in.drafter_hidden = &drafter;
      at::Tensor mapped;
      XSD_RETURN_IF_ERROR(adapter->Map(in, &mapped));
      const at::Tensor output = mapped.to(at::kFloat);
      const at::Tensor target = features_.target_hidden().index_select(0, rows);
      at::Tensor loss = options_.loss == AdapterLoss::kCrossEntropy ? at::zeros({}, output.options())
                                                                      : AlignSum(output, target);
      if (options_.loss != AdapterLoss::kResearch) {
        const at::Tensor tokens = features_.target_tokens().index_select(0, rows);
        loss = loss + options_.ce_weight * at::cross_entropy_loss(at::matmul(output, lm_head_.t()), tokens, {},
                                                                  at::Reduction::Sum);
      }
      return loss / static_cast<double>(batch.size());
    }
    at::Tensor sum;
    int64_t rows = 0;
    for (int64_t example : batch) {
      XSD_ASSIGN_OR_RETURN(ExampleOut out, RunExample(*adapter, example, /*validation=*/false));
      sum = sum.defined() ? sum + out.loss : out.loss;
      rows += out.rows;
    }
    return sum / static_cast<double>(rows);
  });
}

absl::StatusOr<std::map<std::string, double>> AdapterTrainingTask::Validate() {
  const std::string who = absl::StrCat("validating adapter ", AdapterKindName(options_.kind));
  std::map<std::string, double> m;
  if (val_sequences_.empty()) return m;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<MapWeightSource> source, TorchCall(who, [&]() -> absl::StatusOr<std::unique_ptr<MapWeightSource>> {
                         return params_.AsSource(options_.compute_dtype, "<trainable " + who + ">");
                       }));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> adapter, LoadAdapter(options_.kind, options_.dims, *source));
  at::NoGradGuard no_grad;
  double loss = 0, close = 0, top1 = 0;
  int64_t rows = 0;
  for (int s : val_sequences_) {
    XSD_ASSIGN_OR_RETURN(ExampleOut out, RunExample(*adapter, s, /*validation=*/true));
    XSD_RETURN_IF_ERROR(TorchCall(who, [&]() -> absl::Status {
      loss += out.loss.item<double>();
      close += (at::cosine_similarity(out.output, out.target, -1) >= 0.9).sum().item<double>();
      top1 += (at::matmul(out.output, lm_head_.t()).argmax(-1) == out.tokens).sum().item<double>();
      return absl::OkStatus();
    }));
    rows += out.rows;
  }
  m["val_loss"] = loss / static_cast<double>(rows);
  m["val_cos>=0.9"] = close / static_cast<double>(rows);
  m["val_top1"] = top1 / static_cast<double>(rows);
  m["val_rows"] = static_cast<double>(rows);
  return m;
}

nlohmann::json AdapterTrainingTask::Settings() const {
  const AdapterDims& d = options_.dims;
  return {{"adapter", AdapterKindName(options_.kind)},
          {"loss", AdapterLossName(options_.loss)},
          {"ce_weight", options_.ce_weight},
          {"compute_dtype", c10::toString(options_.compute_dtype)},
          {"validation_fraction", options_.validation_fraction},
          {"init_seed", options_.seed},
          {"dims", {{"hidden", d.hidden}, {"bottleneck", d.bottleneck}, {"l2_blocks", d.l2_blocks},
                    {"wide_bottleneck", d.wide_bottleneck}, {"l3_blocks", d.l3_blocks}, {"heads", d.heads},
                    {"ffn", d.ffn}, {"max_positions", d.max_positions}}},
          {"features", {{"pairing", features_.info().pairing}, {"rows", features_.rows()},
                        {"samples", features_.sequences()}}}};
}

absl::Status AdapterTrainingTask::Write(const std::string& path, const nlohmann::json& run_settings) const {
  nlohmann::json config = {{"num_heads", options_.dims.heads}, {"kind", AdapterKindName(options_.kind)},
                           {"loss", AdapterLossName(options_.loss)}};
  return WriteSafetensors(path, params_.Snapshot(), {{"config", config.dump()}, {"training", run_settings.dump()}});
}

}  // namespace xsd
