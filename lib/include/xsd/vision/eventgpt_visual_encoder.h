// EventGptVisualEncoder: EventGPT's event path from pixels to language-model
// embeddings, in the order of the upstream model (EventChatModel): for each
// event frame, CLIP-336 last_hidden_state (before post_layernorm, class token
// kept: 577 tokens) -> visual_projector (Linear, GELU, Linear) ->
// feature_adaptor (Linear 4096 -> 4096); then spatio-temporal pooling over the
// T frames: T + 577 embeddings. The projector's GELU makes the order matter:
// pooling comes after the projection. The research pipeline applied the
// feature adaptor a second time (it passed adapted features to a generate()
// that adapts again); `feature_adaptor_twice` reproduces that. The adaptor is
// affine, so where the second application sits relative to the pooling does
// not change the result.
//
// Weight names (upstream EventChatModel, see docs/models.md):
//   tower:     "model.visual_tower.visual_tower.vision_model.*" (or a separate
//              CLIP checkpoint: any ScopedWeights the caller gives)
//   projector: "model.visual_projector.0.{weight,bias}", "model.visual_projector.2.{weight,bias}"
//   adaptor:   "model.feature_adaptor.{weight,bias}"
//
// Ownership and threading: owns tower, projector and adaptor; Encode is const.
#pragma once

#include <memory>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"
#include "xsd/vision/clip_vision_tower.h"
#include "xsd/vision/projector.h"

namespace xsd {

struct EventGptVisionSpec {
  ClipVisionConfig vision = ClipVitL14_336();
  int text_hidden_size = 4096;
  bool feature_adaptor = true;         // upstream configs with event_feature_adaptor
  bool feature_adaptor_twice = false;  // research pipeline
  bool cuda_graphs = true;             // the tower's CUDA graphs (ClipVisionTower::Load)
};

class EventGptVisualEncoder {
 public:
  // `tower` scopes the CLIP weights; `model` scopes "visual_projector.*" and
  // "feature_adaptor.*" (the checkpoint's "model.").
  static absl::StatusOr<std::unique_ptr<EventGptVisualEncoder>> Load(const EventGptVisionSpec& spec,
                                                                      const ScopedWeights& tower,
                                                                      const ScopedWeights& model);
  ~EventGptVisualEncoder();
  const EventGptVisionSpec& spec() const { return spec_; }
  // Embeddings for `frames` event frames: frames + num_positions.
  int NumTokens(int frames) const { return frames + spec_.vision.num_positions(); }
  const ClipVisionTower& tower() const { return *tower_; }

  // pixels [T, 3, S, S] -> [T + S_tokens, text_hidden_size].
  absl::StatusOr<at::Tensor> Encode(const at::Tensor& pixels) const;
  // Per-frame features after projector and adaptor(s), before pooling:
  // [T, S_tokens, text_hidden_size].
  absl::StatusOr<at::Tensor> FrameFeatures(const at::Tensor& pixels) const;

 private:
  struct Adaptor;
  EventGptVisualEncoder();
  EventGptVisionSpec spec_;
  std::unique_ptr<ClipVisionTower> tower_;
  std::unique_ptr<MlpProjector> projector_;
  std::unique_ptr<Adaptor> adaptor_;  // null without a feature adaptor
};

}  // namespace xsd
