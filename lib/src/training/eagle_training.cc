#include "xsd/training/eagle_training.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/status.h"
#include "xsd/core/param_spec.h"
#include "xsd/drafters/eagle_head.h"
#include "xsd/io/safetensors.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_model.h"
#include "xsd/training/extraction.h"

namespace xsd {
namespace {

std::vector<ParamSpec> EagleParameters(const LlamaConfig& c) {
  const int64_t d = c.hidden_size, q = c.q_width(), kv = c.kv_width(), f = c.intermediate_size;
  using Init = ParamSpec::Init;
  return {{"fc.weight", {d, 2 * d}},
          {"fc.bias", {d}, Init::kZeros},
          {"layers.0.self_attn.q_proj.weight", {q, d}},
          {"layers.0.self_attn.k_proj.weight", {kv, d}},
          {"layers.0.self_attn.v_proj.weight", {kv, d}},
          {"layers.0.self_attn.o_proj.weight", {d, q}},
          {"layers.0.post_attention_layernorm.weight", {d}, Init::kOnes},
          {"layers.0.mlp.gate_proj.weight", {f, d}},
          {"layers.0.mlp.up_proj.weight", {f, d}},
          {"layers.0.mlp.down_proj.weight", {d, f}}};
}

}  // namespace

absl::StatusOr<std::unique_ptr<EagleTrainingTask>> MakeEagleTrainingTask(const FeatureSet& set,
                                                                          const at::Tensor& lm_head,
                                                                          const LlamaConfig& head_config,
                                                                          const EagleTrainingOptions& options) {
  const std::string who = "training the EAGLE head";
  const FeatureSetInfo& info = set.info();
  if (info.pairing != kTargetSequencePairing) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": the feature set's pairing is '", info.pairing, "', not '",
                                                   kTargetSequencePairing, "' (xsd_train extract --pairing ",
                                                   kTargetSequencePairing, ")"));
  }
  const int d = head_config.hidden_size;
  if (info.target_hidden_size != d || info.drafter_hidden_size != d) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": the set's widths (embeddings ", info.drafter_hidden_size,
                                                   ", states ", info.target_hidden_size, ") differ from the head's ", d));
  }
  if (!lm_head.defined() || lm_head.dim() != 2 || lm_head.size(1) != d) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": the target LM head must be [vocab, ", d, "]"));
  }
  if (head_config.attention_bias || head_config.mlp_bias) {
    return absl::UnimplementedError(absl::StrCat(who, ": projections with biases"));
  }
  LlamaConfig config = head_config;
  config.num_layers = 1;
  const c10::Device device = set.target_hidden().device();
  XSD_ASSIGN_OR_RETURN(TrainableParameters params,
                       TrainableParameters::FromSpecs(EagleParameters(config), options.seed, device));
  XSD_ASSIGN_OR_RETURN(at::Tensor head, TorchCall(who, [&]() -> absl::StatusOr<at::Tensor> {
                         return lm_head.detach().to(device, at::kFloat);
                       }));
  std::unique_ptr<EagleTrainingTask> task(new EagleTrainingTask(set, head, config, options, std::move(params)));
  const int k = options.validation_fraction > 0
                    ? std::max(2, static_cast<int>(std::lround(1.0 / options.validation_fraction)))
                    : 0;
  for (int s = 0; s < set.sequences(); ++s) {
    const int64_t n = set.offset(s + 1) - set.offset(s);
    if (n < 2) continue;
    if (n - 1 > config.max_position_embeddings) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": sample '", set.sample_ids()[s], "' has ", n,
                                                     " rows, more than the head's ", config.max_position_embeddings,
                                                     " positions"));
    }
    (k > 0 && s % k == k - 1 ? task->validation_ : task->train_).push_back(s);
  }
  if (task->train_.empty() || (k > 0 && task->validation_.empty())) {
    return absl::FailedPreconditionError(absl::StrCat(who, ": ", set.sequences(), " sequences are too few"));
  }
  return task;
}

EagleTrainingTask::EagleTrainingTask(const FeatureSet& set, at::Tensor lm_head, LlamaConfig config,
                                     EagleTrainingOptions options, TrainableParameters params)
    : set_(set), lm_head_(std::move(lm_head)), config_(config), options_(options), params_(std::move(params)) {}

absl::StatusOr<std::unique_ptr<EagleHead>> EagleTrainingTask::BuildHead() const {
  std::unique_ptr<MapWeightSource> source = params_.AsSource(options_.compute_dtype, "<trainable EAGLE head>");
  return EagleHead::Load(config_, source.get(), config_.max_position_embeddings);
}

absl::StatusOr<EagleTrainingTask::SequenceOut> EagleTrainingTask::RunSequence(const EagleHead& head,
                                                                               int sequence) const {
  const int64_t a = set_.offset(sequence), n = set_.offset(sequence + 1) - a, m = n - 1;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<KvCache> cache, KvCache::Create(head.CacheSpec(static_cast<int>(m))));
  XSD_ASSIGN_OR_RETURN(const at::Tensor positions, PositionRange(0, m, set_.target_hidden().device()));
  const at::Tensor embeds = set_.drafter_hidden().narrow(0, a + 1, m);
  const at::Tensor states = set_.target_hidden().narrow(0, a, m);
  XSD_ASSIGN_OR_RETURN(const at::Tensor out, head.Forward(embeds, states, positions, at::Tensor(), cache.get()));
  return TorchCall("EAGLE head loss", [&]() -> absl::StatusOr<SequenceOut> {
    SequenceOut r;
    const at::Tensor o = out.to(at::kFloat);
    const at::Tensor next = set_.target_hidden().narrow(0, a + 1, m);
    const at::Tensor tokens = set_.target_tokens().narrow(0, a + 1, m);
    const at::Tensor logits = at::linear(o, lm_head_);
    const at::Tensor regression = at::smooth_l1_loss(o, next, at::Reduction::None).mean(-1).sum();
    const at::Tensor ce = at::cross_entropy_loss(logits, tokens, {}, at::Reduction::Sum);
    r.loss = options_.regression_weight * regression + options_.ce_weight * ce;
    r.rows = m;
    r.hits = logits.argmax(-1) == tokens;
    return r;
  });
}

absl::StatusOr<at::Tensor> EagleTrainingTask::Loss(absl::Span<const int64_t> batch) {
  XSD_ASSIGN_OR_RETURN(const std::unique_ptr<EagleHead> head, BuildHead());
  at::Tensor sum;
  int64_t rows = 0;
  for (int64_t i : batch) {
    XSD_ASSIGN_OR_RETURN(SequenceOut r, RunSequence(*head, train_[static_cast<size_t>(i)]));
    sum = sum.defined() ? sum + r.loss : r.loss;
    rows += r.rows;
  }
  return TorchCall("EAGLE batch loss", [&]() -> absl::StatusOr<at::Tensor> { return sum / static_cast<double>(rows); });
}

absl::StatusOr<std::map<std::string, double>> EagleTrainingTask::Validate() {
  at::NoGradGuard no_grad;
  XSD_ASSIGN_OR_RETURN(const std::unique_ptr<EagleHead> head, BuildHead());
  double loss = 0;
  int64_t rows = 0, hits = 0;
  for (int s : validation_) {
    XSD_ASSIGN_OR_RETURN(SequenceOut r, RunSequence(*head, s));
    loss += r.loss.item<double>();
    rows += r.rows;
    hits += r.hits.sum().item<int64_t>();
  }
  std::map<std::string, double> m;
  if (rows == 0) return m;
  m["val_loss"] = loss / static_cast<double>(rows);
  m["top1"] = static_cast<double>(hits) / static_cast<double>(rows);
  return m;
}

nlohmann::json EagleTrainingTask::Settings() const {
  return {{"hidden_size", config_.hidden_size},
          {"intermediate_size", config_.intermediate_size},
          {"num_heads", config_.num_heads},
          {"num_kv_heads", config_.num_kv_heads},
          {"regression_weight", options_.regression_weight},
          {"ce_weight", options_.ce_weight},
          {"compute_dtype", c10::toString(options_.compute_dtype)},
          {"validation_fraction", options_.validation_fraction},
          {"init_seed", options_.seed},
          {"train_sequences", train_.size()},
          {"validation_sequences", validation_.size()}};
}

absl::Status EagleTrainingTask::Write(const std::string& dir, const nlohmann::json& run_settings) const {
  if (config_.rope.type != RopeConfig::Type::kDefault) {
    return absl::UnimplementedError("EAGLE head: writing a config with scaled rotary embeddings");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot create (", ec.message(), ")"));
  const nlohmann::json config = {{"model_type", "llama"},
                                 {"architectures", {"LlamaForCausalLM"}},
                                 {"vocab_size", lm_head_.size(0)},
                                 {"hidden_size", config_.hidden_size},
                                 {"intermediate_size", config_.intermediate_size},
                                 {"num_hidden_layers", 1},
                                 {"num_attention_heads", config_.num_heads},
                                 {"num_key_value_heads", config_.num_kv_heads},
                                 {"head_dim", config_.head_dim},
                                 {"rms_norm_eps", config_.rms_norm_eps},
                                 {"max_position_embeddings", config_.max_position_embeddings},
                                 {"rope_theta", config_.rope.theta},
                                 {"hidden_act", "silu"},
                                 {"bos_token_id", config_.bos_token},
                                 {"eos_token_id", config_.eos_token}};
  const std::string config_path = dir + "/config.json";
  {
    std::ofstream out(config_path + ".tmp");
    out << config.dump(2) << "\n";
    if (!out) return absl::InternalError(absl::StrCat(config_path, ": cannot write"));
  }
  std::filesystem::rename(config_path + ".tmp", config_path, ec);
  if (ec) return absl::InternalError(absl::StrCat(config_path, ": cannot rename (", ec.message(), ")"));
  return WriteSafetensors(dir + "/model.safetensors", params_.Snapshot(), {{"training", run_settings.dump()}});
}

}  // namespace xsd
