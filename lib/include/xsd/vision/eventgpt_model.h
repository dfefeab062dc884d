// EventGptModel: the weights of an EventGPT checkpoint, immutable and
// shareable: the event encoder (CLIP-336 tower, visual_projector,
// feature_adaptor, spatio-temporal pooling) and the LLaMA decoder.
//
// Checkpoint tensor names (upstream EventChatModel; see docs/models.md):
//   LLM        model.embed_tokens.weight, model.layers.N.*, model.norm.weight, lm_head.weight
//   projector  model.visual_projector.{0,2}.{weight,bias}
//   adaptor    model.feature_adaptor.{weight,bias}
//   tower      model.visual_tower.visual_tower.vision_model.* (CLIPVisionModel
//              inside the VisualTower wrapper). Also accepted: the tower under
//              model.visual_tower.[vision_model.] or model.vision_tower.vision_tower.,
//              or, when the checkpoint holds no tower, the CLIP checkpoint
//              directory config.json's mm_visual_tower names (its text_model
//              half and projections are ignored).
// Every other tensor is an error ("unexpected"), except rotary inv_freq buffers.
//
// Ownership: owns the encoder and shares the LLM (shared_ptr: a drafter and
// tools may hold it). Thread-safe for concurrent const use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/models/llama_model.h"
#include "xsd/vision/eventgpt_config.h"
#include "xsd/vision/multimodal_model_options.h"
#include "xsd/vision/eventgpt_visual_encoder.h"

namespace xsd {

struct EventGptLoadOptions {
  std::string checkpoint;  // directory: config.json + safetensors
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  bool feature_adaptor_twice = false;  // research pipeline (EventGptOptions.feature_adaptor_twice)
  MultimodalModelOptions model;
};

class EventGptModel {
 public:
  static absl::StatusOr<std::unique_ptr<EventGptModel>> Load(const EventGptLoadOptions& options);
  // From weight sources already open. `tower` may be `weights` itself (the
  // tower inside the checkpoint) or a separate CLIP checkpoint; neither is
  // owned. Unexpected tensors are checked in both.
  static absl::StatusOr<std::unique_ptr<EventGptModel>> FromWeights(const EventGptConfig& config, WeightSource* weights,
                                                                    WeightSource* tower, bool feature_adaptor_twice,
                                                                    const MultimodalModelOptions& options = {});

  const EventGptConfig& config() const { return config_; }
  const LlamaModel& llm() const { return *llm_; }
  std::shared_ptr<const LlamaModel> shared_llm() const { return llm_; }
  const EventGptVisualEncoder& visual() const { return *visual_; }

  // The prompt's input embeddings: embed(before) ++ visual(pixels) ++ embed(after),
  // [before + T + S + after, hidden]. pixels [T, 3, S, S].
  absl::StatusOr<at::Tensor> PromptEmbeddings(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                                              const at::Tensor& pixels) const;
  // The same from visual embeddings already computed ([V, hidden]).
  absl::StatusOr<at::Tensor> SpliceVisual(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                                          const at::Tensor& visual) const;

 private:
  EventGptModel() = default;
  EventGptConfig config_;
  std::shared_ptr<const LlamaModel> llm_;
  std::unique_ptr<EventGptVisualEncoder> visual_;
};

// Where the tower's tensors live in `weights` (a scope ending in "."), or ""
// when the checkpoint holds none.
std::string FindEventGptTowerScope(const WeightSource& weights);

}  // namespace xsd
