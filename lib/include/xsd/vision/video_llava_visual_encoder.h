// VideoLlavaVisualEncoder: Video-LLaVA's video path from pixels to language-
// model embeddings: the video tower (CLIP ViT, hidden_states[vision_feature_layer],
// class token kept) followed by multi_modal_projector, batched over frames.
// 8 frames of CLIP-224 give 8 x 257 = 2 056 embeddings, frame-major.
//
// Weights under the checkpoint root: "video_tower.[vision_model.]*" and
// "multi_modal_projector.linear_{1,2}.*". The image tower is not used for
// video; the model that owns this encoder accounts for its tensors.
//
// Ownership and threading: owns its tower and projector; Encode is const.
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"
#include "xsd/vision/clip_vision_tower.h"
#include "xsd/vision/projector.h"

namespace xsd {

struct VideoLlavaVisionSpec {
  ClipVisionConfig vision;          // vision_config
  int feature_layer = -2;           // vision_feature_layer
  int text_hidden_size = 4096;      // text_config.hidden_size
  std::string projector_act = "gelu";  // projector_hidden_act
  bool cuda_graphs = true;             // the tower's CUDA graphs (ClipVisionTower::Load)
};

class VideoLlavaVisualEncoder {
 public:
  // `root` is the checkpoint root (no prefix for the published layouts).
  static absl::StatusOr<std::unique_ptr<VideoLlavaVisualEncoder>> Load(const VideoLlavaVisionSpec& spec,
                                                                        const ScopedWeights& root);
  const VideoLlavaVisionSpec& spec() const { return spec_; }
  int TokensPerFrame() const { return tower_->TokensPerImage(Select()); }
  const ClipVisionTower& tower() const { return *tower_; }

  // frames [F, 3, S, S] -> [F * TokensPerFrame(), text_hidden_size].
  absl::StatusOr<at::Tensor> Encode(const at::Tensor& frames) const;
  // The tower's selected features alone, [F, TokensPerFrame(), vision hidden] (tests, analysis).
  absl::StatusOr<at::Tensor> TowerFeatures(const at::Tensor& frames) const;

 private:
  VideoLlavaVisualEncoder() = default;
  ClipFeatureSelect Select() const { return ClipFeatureSelect{spec_.feature_layer, /*drop_cls=*/false}; }
  VideoLlavaVisionSpec spec_;
  std::unique_ptr<ClipVisionTower> tower_;
  std::unique_ptr<MlpProjector> projector_;
};

}  // namespace xsd
