#include "xsd/vision/eventgpt_model.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd/models/weights_loading.h"
#include "vision/multimodal_merge.h"

namespace xsd {
namespace {

// Tensors of a full CLIPModel checkpoint that the vision tower never uses.
UnexpectedWeightsPolicy ClipCheckpointPolicy() {
  UnexpectedWeightsPolicy policy;
  policy.ignore_prefixes = {"text_model.", "text_projection.", "visual_projection.", "logit_scale"};
  return policy;
}

}  // namespace

std::string FindEventGptTowerScope(const WeightSource& weights) {
  for (const char* scope : {"model.visual_tower.visual_tower.", "model.visual_tower.", "model.vision_tower.vision_tower."}) {
    for (const char* inner : {"vision_model.", ""}) {
      if (weights.Has(absl::StrCat(scope, inner, "embeddings.patch_embedding.weight"))) return scope;
    }
  }
  return "";
}

absl::StatusOr<std::unique_ptr<EventGptModel>> EventGptModel::FromWeights(const EventGptConfig& config,
                                                                          WeightSource* weights, WeightSource* tower,
                                                                          bool feature_adaptor_twice,
                                                                          const MultimodalModelOptions& options) {
  std::unique_ptr<EventGptModel> model(new EventGptModel());
  model->config_ = config;
  LlamaModelOptions llm_options;
  llm_options.kernel_options = options.kernel_options;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaModel> llm, LlamaModel::Load(config.text, weights, llm_options));
  model->llm_ = std::move(llm);
  EventGptVisionSpec spec;
  spec.vision = config.vision;
  spec.text_hidden_size = config.text.hidden_size;
  spec.feature_adaptor = config.feature_adaptor.value_or(weights->Has("model.feature_adaptor.weight"));
  spec.feature_adaptor_twice = feature_adaptor_twice;
  spec.cuda_graphs = options.vision_cuda_graphs;
  const std::string scope = tower == weights ? FindEventGptTowerScope(*weights) : "";
  if (tower == weights && scope.empty()) {
    return absl::NotFoundError(
        "EventGPT: the checkpoint holds no vision tower (looked for model.visual_tower.visual_tower.vision_model.*) "
        "and config.json's mm_visual_tower names no local CLIP checkpoint directory");
  }
  XSD_ASSIGN_OR_RETURN(model->visual_, EventGptVisualEncoder::Load(spec, ScopedWeights(tower, scope),
                                                                   ScopedWeights(weights, "model.")));
  XSD_RETURN_IF_ERROR(CheckUnexpectedWeights(*weights, UnexpectedWeightsPolicy(), "EventGPT checkpoint"));
  if (tower != weights) {
    XSD_RETURN_IF_ERROR(CheckUnexpectedWeights(*tower, ClipCheckpointPolicy(), "EventGPT vision tower checkpoint"));
  }
  return model;
}

absl::StatusOr<std::unique_ptr<EventGptModel>> EventGptModel::Load(const EventGptLoadOptions& options) {
  XSD_ASSIGN_OR_RETURN(EventGptConfig config, LoadEventGptConfig(options.checkpoint));
  WeightSourceOptions source_options;
  source_options.dtype = options.dtype;
  source_options.device = options.device;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointWeightSource> weights,
                       CheckpointWeightSource::Open(options.checkpoint, source_options));
  std::unique_ptr<CheckpointWeightSource> tower;
  if (FindEventGptTowerScope(*weights).empty() && !config.vision_tower_dir.empty()) {
    XSD_ASSIGN_OR_RETURN(tower, CheckpointWeightSource::Open(config.vision_tower_dir, source_options));
  }
  return FromWeights(config, weights.get(), tower ? tower.get() : weights.get(), options.feature_adaptor_twice,
                     options.model);
}

absl::StatusOr<at::Tensor> EventGptModel::SpliceVisual(const std::vector<TokenId>& before,
                                                       const std::vector<TokenId>& after,
                                                       const at::Tensor& visual) const {
  std::vector<TokenId> text = before;
  text.insert(text.end(), after.begin(), after.end());
  XSD_ASSIGN_OR_RETURN(at::Tensor ids, TokensTensor(text, llm_->device()));
  XSD_ASSIGN_OR_RETURN(at::Tensor embeds, llm_->Embed(ids));
  return SpliceEmbeddings(embeds, static_cast<int>(before.size()), /*replace_count=*/0, visual);
}

absl::StatusOr<at::Tensor> EventGptModel::PromptEmbeddings(const std::vector<TokenId>& before,
                                                           const std::vector<TokenId>& after,
                                                           const at::Tensor& pixels) const {
  XSD_ASSIGN_OR_RETURN(at::Tensor visual, visual_->Encode(pixels));
  return SpliceVisual(before, after, visual);
}

}  // namespace xsd
