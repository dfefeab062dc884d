#include "xsd/vision/video_llava_verifier.h"

#include <optional>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "nn_ops.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd {

// Video-LLaVA's prompt for the LLaMA verifier: media, vision tower, splice.
class VideoLlavaPromptEncoder final : public LlamaPromptEncoder {
 public:
  VideoLlavaPromptEncoder(std::shared_ptr<const VideoLlavaModel> model, std::shared_ptr<const Tokenizer> tokenizer,
                          const VideoLlavaVerifierOptions& options)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(options) {}

  // The next Encode uses these instead of the request's media and question.
  void SetNextInputs(std::vector<TokenId> prompt, at::Tensor frames) {
    next_prompt_ = std::move(prompt);
    next_frames_ = std::move(frames);
  }

  absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel&) override {
    LlamaPrompt out;
    std::vector<TokenId> prompt;
    at::Tensor frames;
    if (next_prompt_.has_value()) {
      prompt = std::move(*next_prompt_);
      frames = std::move(next_frames_);
      next_prompt_.reset();
    } else {
      const std::string who = absl::StrCat(options_.name, " verifier, request '", request.id, "'");
      if (tokenizer_ == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(who, ": no tokenizer loaded; use PrefillWithInputs"));
      }
      const TimePoint start = Now();
      XSD_ASSIGN_OR_RETURN(prompt, VideoLlavaPromptIds(*tokenizer_, request.question, model_->config().video_token));
      absl::StatusOr<std::vector<std::string>> paths = RequestMedia(request, kVideoMedia);
      if (!paths.ok()) return Annotate(paths.status(), who);
      if (paths->size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(who, ": media input '", kVideoMedia, "' takes one video, got ",
                                                       paths->size(), " paths"));
      }
      absl::StatusOr<at::Tensor> pixels = LoadVideoPixels(paths->front(), options_.num_frames,
                                                          options_.frame_sampling, model_->config().vision.image_size);
      if (!pixels.ok()) return Annotate(pixels.status(), who);
      frames = std::move(pixels).value();
      out.media_ms = MillisBetween(start, Now());
    }
    const TimePoint start = Now();
    XSD_ASSIGN_OR_RETURN(at::Tensor visual, model_->visual().Encode(frames));
    XSD_ASSIGN_OR_RETURN(out.embeds, model_->SpliceVisual(prompt, visual));
    vision_internal::WaitForDevice(out.embeds);
    out.vision_ms = MillisBetween(start, Now());
    return out;
  }

 private:
  std::shared_ptr<const VideoLlavaModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;  // may be null

 public:
  const Tokenizer* tokenizer() const override { return tokenizer_.get(); }
  VideoLlavaVerifierOptions options_;
  std::optional<std::vector<TokenId>> next_prompt_;
  at::Tensor next_frames_;
};

VideoLlavaVerifier::VideoLlavaVerifier(std::shared_ptr<const VideoLlavaModel> model, std::unique_ptr<LlamaVerifier> core,
                                       VideoLlavaPromptEncoder* encoder)
    : model_(std::move(model)), core_(std::move(core)), encoder_(encoder) {}

absl::StatusOr<std::unique_ptr<VideoLlavaVerifier>> VideoLlavaVerifier::Create(
    std::shared_ptr<const VideoLlavaModel> model, const VideoLlavaVerifierOptions& options,
    std::shared_ptr<const Tokenizer> tokenizer) {
  if (model == nullptr) return absl::InvalidArgumentError("video_llava verifier: no model");
  if (options.num_frames < 1) {
    return absl::InvalidArgumentError(absl::StrCat("video_llava verifier: num_frames must be >= 1, got ", options.num_frames));
  }
  auto encoder = std::make_unique<VideoLlavaPromptEncoder>(model, std::move(tokenizer), options);
  VideoLlavaPromptEncoder* borrowed = encoder.get();
  LlamaSequenceOptions sequence;
  sequence.max_seq_len = options.max_seq_len;
  sequence.name = options.name;
  sequence.step_mode = options.step_mode;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaVerifier> core,
                       LlamaVerifier::CreateWithPromptEncoder(model->shared_llm(), sequence, std::move(encoder)));
  return std::unique_ptr<VideoLlavaVerifier>(new VideoLlavaVerifier(std::move(model), std::move(core), borrowed));
}

absl::StatusOr<TargetOutput> VideoLlavaVerifier::PrefillWithInputs(const std::vector<TokenId>& prompt,
                                                                   const at::Tensor& frames, const OutputRequest& out) {
  encoder_->SetNextInputs(prompt, frames);
  Request request;
  request.id = "inputs";
  return core_->Prefill(request, out);
}

}  // namespace xsd
