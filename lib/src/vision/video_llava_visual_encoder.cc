#include "xsd/vision/video_llava_visual_encoder.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"

#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<VideoLlavaVisualEncoder>> VideoLlavaVisualEncoder::Load(const VideoLlavaVisionSpec& spec,
                                                                                        const ScopedWeights& root) {
  // Reject an unusable feature layer now rather than at the first request.
  const int layers = spec.vision.num_hidden_layers;
  if (spec.feature_layer < -(layers + 1) || spec.feature_layer > layers) {
    return absl::InvalidArgumentError(absl::StrCat("vision_feature_layer ", spec.feature_layer, " out of range for ",
                                                   layers, " vision layers"));
  }
  std::unique_ptr<VideoLlavaVisualEncoder> encoder(new VideoLlavaVisualEncoder());
  encoder->spec_ = spec;
  XSD_ASSIGN_OR_RETURN(encoder->tower_, ClipVisionTower::Load(spec.vision, root.Sub("video_tower."), spec.cuda_graphs));
  MlpProjectorSpec projector;
  projector.in_features = spec.vision.hidden_size;
  projector.out_features = spec.text_hidden_size;
  projector.activation = spec.projector_act;
  XSD_ASSIGN_OR_RETURN(encoder->projector_, MlpProjector::Load(projector, root.Sub("multi_modal_projector.")));
  return encoder;
}

absl::StatusOr<at::Tensor> VideoLlavaVisualEncoder::TowerFeatures(const at::Tensor& frames) const {
  return tower_->Forward(frames, Select());
}

absl::StatusOr<at::Tensor> VideoLlavaVisualEncoder::Encode(const at::Tensor& frames) const {
  XSD_ASSIGN_OR_RETURN(at::Tensor features, TowerFeatures(frames));
  XSD_ASSIGN_OR_RETURN(at::Tensor projected, projector_->Forward(features));
  return TorchCall("Video-LLaVA visual embeddings", [&]() -> absl::StatusOr<at::Tensor> {
    return projected.reshape({-1, projected.size(-1)});  // frame-major, tokens in order
  });
}

}  // namespace xsd
