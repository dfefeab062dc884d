// VideoLlavaModel: the weights of a Video-LLaVA checkpoint, immutable and
// shareable: the video encoder (video tower + multi_modal_projector) and the
// LLaMA decoder.
//
// Tensor names: both layouts of FACTS.md §4b. The towers may or may not nest
// under "vision_model." (the tower detects it); the LLM is looked up as
// "model.*" / "lm_head.weight" through the LLaMA layout aliases, which find
// "language_model.model.*" and "language_model.lm_head.weight" (hub and
// transformers-5 saves) or "model.language_model.*" (in-memory names). The
// image tower ("image_tower.*") is present in every checkpoint but unused for
// video: it is not loaded and explicitly ignored. Anything else left over is
// an error naming the tensors.
//
// Ownership: owns the encoder, shares the LLM. Thread-safe for const use.
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
#include "xsd/vision/multimodal_model_options.h"
#include "xsd/vision/video_llava_config.h"
#include "xsd/vision/video_llava_visual_encoder.h"

namespace xsd {

struct VideoLlavaLoadOptions {
  std::string checkpoint;  // directory: config.json + safetensors
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  MultimodalModelOptions model;
};

class VideoLlavaModel {
 public:
  static absl::StatusOr<std::unique_ptr<VideoLlavaModel>> Load(const VideoLlavaLoadOptions& options);
  // From an open weight source (not owned; its aliases must include
  // LlamaLayoutAliases() for the hub and transformers-5 names).
  static absl::StatusOr<std::unique_ptr<VideoLlavaModel>> FromWeights(const VideoLlavaConfig& config,
                                                                      WeightSource* weights,
                                                                      const MultimodalModelOptions& options = {});

  const VideoLlavaConfig& config() const { return config_; }
  const LlamaModel& llm() const { return *llm_; }
  std::shared_ptr<const LlamaModel> shared_llm() const { return llm_; }
  const VideoLlavaVisualEncoder& visual() const { return *visual_; }

  // The prompt's input embeddings: `prompt` holds exactly one video token,
  // replaced in place by the frames' visual embeddings (F x tokens-per-frame
  // rows): [prompt - 1 + F * T, hidden]. frames [F, 3, S, S].
  absl::StatusOr<at::Tensor> PromptEmbeddings(const std::vector<TokenId>& prompt, const at::Tensor& frames) const;
  // The same from visual embeddings already computed ([V, hidden]).
  absl::StatusOr<at::Tensor> SpliceVisual(const std::vector<TokenId>& prompt, const at::Tensor& visual) const;

 private:
  VideoLlavaModel() = default;
  VideoLlavaConfig config_;
  std::shared_ptr<const LlamaModel> llm_;
  std::unique_ptr<VideoLlavaVisualEncoder> visual_;
};

}  // namespace xsd
