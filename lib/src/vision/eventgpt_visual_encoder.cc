#include "xsd/vision/eventgpt_visual_encoder.h"

#include <ATen/ATen.h>

#include "nn_ops.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "vision/eventgpt_pooling.h"

namespace xsd {

struct EventGptVisualEncoder::Adaptor {
  vision_internal::Linear linear;
};

EventGptVisualEncoder::EventGptVisualEncoder() = default;
EventGptVisualEncoder::~EventGptVisualEncoder() = default;

absl::StatusOr<std::unique_ptr<EventGptVisualEncoder>> EventGptVisualEncoder::Load(const EventGptVisionSpec& spec,
                                                                                    const ScopedWeights& tower,
                                                                                    const ScopedWeights& model) {
  if (spec.feature_adaptor_twice && !spec.feature_adaptor) {
    return absl::InvalidArgumentError("EventGPT: feature_adaptor_twice needs a feature adaptor");
  }
  std::unique_ptr<EventGptVisualEncoder> encoder(new EventGptVisualEncoder());
  encoder->spec_ = spec;
  XSD_ASSIGN_OR_RETURN(encoder->tower_, ClipVisionTower::Load(spec.vision, tower, spec.cuda_graphs));
  MlpProjectorSpec projector;
  projector.in_features = spec.vision.hidden_size;
  projector.out_features = spec.text_hidden_size;
  projector.activation = "gelu";  // nn.GELU() in the upstream nn.Sequential
  projector.first = "0";
  projector.second = "2";
  XSD_ASSIGN_OR_RETURN(encoder->projector_, MlpProjector::Load(projector, model.Sub("visual_projector.")));
  if (spec.feature_adaptor) {
    encoder->adaptor_ = std::make_unique<Adaptor>();
    XSD_ASSIGN_OR_RETURN(encoder->adaptor_->linear,
                         vision_internal::TakeLinear(model, "feature_adaptor", spec.text_hidden_size,
                                                     spec.text_hidden_size, true));
  }
  return encoder;
}

absl::StatusOr<at::Tensor> EventGptVisualEncoder::FrameFeatures(const at::Tensor& pixels) const {
  XSD_ASSIGN_OR_RETURN(at::Tensor features, tower_->Forward(pixels, ClipFeatureSelect{-1, false}));
  XSD_ASSIGN_OR_RETURN(at::Tensor projected, projector_->Forward(features));
  if (!adaptor_) return projected;
  return TorchCall("EventGPT feature adaptor", [&]() -> absl::StatusOr<at::Tensor> {
    at::Tensor adapted = adaptor_->linear(projected);
    if (spec_.feature_adaptor_twice) adapted = adaptor_->linear(adapted);
    return adapted;
  });
}

absl::StatusOr<at::Tensor> EventGptVisualEncoder::Encode(const at::Tensor& pixels) const {
  XSD_ASSIGN_OR_RETURN(at::Tensor frames, FrameFeatures(pixels));
  return SpatioTemporalPool(frames);
}

}  // namespace xsd
