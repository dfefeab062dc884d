// VideoLlavaVerifier: the Video-LLaVA target (Verifier "video_llava").
//
// Prefill(request): decode num_frames frames of request.media["video"] (media
// module; CLIP preprocessing at the tower's size), encode them (video tower +
// projector, batched over frames), tokenize VideoLlavaPrompt(question) with
// the checkpoint's tokenizer, replace the single <video> token by the
// F x 257 visual embeddings, and prefill the LLM from those embeddings.
// PrefillBreakdown: media_ms (decode + preprocess + tokenize), vision_ms
// (tower + projector + splice), llm_ms (LLM prefill), prompt_tokens
// (positions written, visual ones included).
//
// Everything from the LLM prefill on (Verify, Commit, committed features, LM
// head) is the LLaMA verifier's own: this class is a LlamaVerifier whose
// prompt encoder (llama_prompt.h) is Video-LLaVA's, plus PrefillWithInputs
// for callers that bring pixels and ids themselves.
//
// Ownership: shares the model and the tokenizer, owns the LLaMA verifier
// core (and through it the KV cache and the prompt encoder). Threading: see
// verifier.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "xsd/core/verifier.h"
#include "xsd/media/image.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/vision/video_llava_model.h"

namespace xsd {

class Tokenizer;
class VideoLlavaPromptEncoder;

struct VideoLlavaVerifierOptions {
  int max_seq_len = 4096;
  int num_frames = 8;
  FrameSampling frame_sampling = FrameSampling::kUniform;
  std::string name = "video_llava";  // ModelInfo::name
  LlamaStepMode step_mode = LlamaStepMode::kAuto;  // decode / verify steps (llama_step_runner.h)
};

class VideoLlavaVerifier final : public Verifier {
 public:
  // `tokenizer` may be null: Prefill then fails, PrefillWithInputs works.
  static absl::StatusOr<std::unique_ptr<VideoLlavaVerifier>> Create(std::shared_ptr<const VideoLlavaModel> model,
                                                                    const VideoLlavaVerifierOptions& options,
                                                                    std::shared_ptr<const Tokenizer> tokenizer);

  const ModelInfo& info() const override { return core_->info(); }
  absl::StatusOr<TargetOutput> Prefill(const Request& request, const OutputRequest& out) override {
    return core_->Prefill(request, out);
  }
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& draft, const OutputRequest& out) override {
    return core_->Verify(pending, draft, out);
  }
  absl::Status Commit(absl::Span<const int32_t> kept_nodes) override { return core_->Commit(kept_nodes); }
  int cache_length() const override { return core_->cache_length(); }
  const PrefillBreakdown& prefill_breakdown() const override { return core_->prefill_breakdown(); }
  const TargetFeatures* features() const override { return core_->features(); }
  const Tokenizer* tokenizer() const override { return core_->tokenizer(); }

  // Prefill from inputs already built (tests, tools): prompt ids with one
  // video token and frames [F, 3, S, S].
  absl::StatusOr<TargetOutput> PrefillWithInputs(const std::vector<TokenId>& prompt, const at::Tensor& frames,
                                                 const OutputRequest& out);
  const VideoLlavaModel& model() const { return *model_; }

 private:
  VideoLlavaVerifier(std::shared_ptr<const VideoLlavaModel> model, std::unique_ptr<LlamaVerifier> core,
                     VideoLlavaPromptEncoder* encoder);

  std::shared_ptr<const VideoLlavaModel> model_;
  std::unique_ptr<LlamaVerifier> core_;
  VideoLlavaPromptEncoder* encoder_;  // owned by core_
};

}  // namespace xsd
