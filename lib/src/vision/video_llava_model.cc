#include "xsd/vision/video_llava_model.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd/models/weights_loading.h"
#include "vision/multimodal_merge.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<VideoLlavaModel>> VideoLlavaModel::FromWeights(const VideoLlavaConfig& config,
                                                                              WeightSource* weights,
                                                                              const MultimodalModelOptions& options) {
  std::unique_ptr<VideoLlavaModel> model(new VideoLlavaModel());
  model->config_ = config;
  LlamaModelOptions llm_options;
  llm_options.kernel_options = options.kernel_options;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaModel> llm, LlamaModel::Load(config.text, weights, llm_options));
  model->llm_ = std::move(llm);
  VideoLlavaVisionSpec spec;
  spec.vision = config.vision;
  spec.feature_layer = config.vision_feature_layer;
  spec.text_hidden_size = config.text.hidden_size;
  spec.projector_act = config.projector_hidden_act;
  spec.cuda_graphs = options.vision_cuda_graphs;
  XSD_ASSIGN_OR_RETURN(model->visual_, VideoLlavaVisualEncoder::Load(spec, ScopedWeights(weights, "")));
  UnexpectedWeightsPolicy policy;
  policy.ignore_prefixes = {"image_tower."};  // the image path is not used for video
  XSD_RETURN_IF_ERROR(CheckUnexpectedWeights(*weights, policy, "Video-LLaVA checkpoint"));
  return model;
}

absl::StatusOr<std::unique_ptr<VideoLlavaModel>> VideoLlavaModel::Load(const VideoLlavaLoadOptions& options) {
  XSD_ASSIGN_OR_RETURN(VideoLlavaConfig config, LoadVideoLlavaConfig(options.checkpoint));
  WeightSourceOptions source_options;
  source_options.dtype = options.dtype;
  source_options.device = options.device;
  source_options.aliases = LlamaLayoutAliases();
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointWeightSource> weights,
                       CheckpointWeightSource::Open(options.checkpoint, source_options));
  return FromWeights(config, weights.get(), options.model);
}

absl::StatusOr<at::Tensor> VideoLlavaModel::SpliceVisual(const std::vector<TokenId>& prompt,
                                                         const at::Tensor& visual) const {
  const auto it = std::find(prompt.begin(), prompt.end(), config_.video_token);
  if (it == prompt.end() || std::find(it + 1, prompt.end(), config_.video_token) != prompt.end()) {
    return absl::InvalidArgumentError(absl::StrCat("Video-LLaVA: the prompt must hold exactly one video token (",
                                                   config_.video_token, ")"));
  }
  XSD_ASSIGN_OR_RETURN(at::Tensor ids, TokensTensor(prompt, llm_->device()));
  XSD_ASSIGN_OR_RETURN(at::Tensor embeds, llm_->Embed(ids));
  return SpliceEmbeddings(embeds, static_cast<int>(it - prompt.begin()), /*replace_count=*/1, visual);
}

absl::StatusOr<at::Tensor> VideoLlavaModel::PromptEmbeddings(const std::vector<TokenId>& prompt,
                                                             const at::Tensor& frames) const {
  XSD_ASSIGN_OR_RETURN(at::Tensor visual, visual_->Encode(frames));
  return SpliceVisual(prompt, visual);
}

}  // namespace xsd
