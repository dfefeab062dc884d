#include "xsd/vision/video_llava_verifier.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "nn_ops.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd {

VideoLlavaVerifier::VideoLlavaVerifier(std::shared_ptr<const VideoLlavaModel> model, std::unique_ptr<LlamaVerifier> core,
                                       std::shared_ptr<const Tokenizer> tokenizer,
                                       const VideoLlavaVerifierOptions& options)
    : model_(std::move(model)), core_(std::move(core)), tokenizer_(std::move(tokenizer)), options_(options) {}

absl::StatusOr<std::unique_ptr<VideoLlavaVerifier>> VideoLlavaVerifier::Create(
    std::shared_ptr<const VideoLlavaModel> model, const VideoLlavaVerifierOptions& options,
    std::shared_ptr<const Tokenizer> tokenizer) {
  if (model == nullptr) return absl::InvalidArgumentError("video_llava verifier: no model");
  if (options.num_frames < 1) {
    return absl::InvalidArgumentError(absl::StrCat("video_llava verifier: num_frames must be >= 1, got ", options.num_frames));
  }
  LlamaSequenceOptions sequence;
  sequence.max_seq_len = options.max_seq_len;
  sequence.name = options.name;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaVerifier> core, LlamaVerifier::Create(model->shared_llm(), sequence));
  return std::unique_ptr<VideoLlavaVerifier>(
      new VideoLlavaVerifier(std::move(model), std::move(core), std::move(tokenizer), options));
}

absl::StatusOr<TargetOutput> VideoLlavaVerifier::Prefill(const Request& request, const OutputRequest& out) {
  const std::string who = absl::StrCat(options_.name, " verifier, request '", request.id, "'");
  if (tokenizer_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(who, ": no tokenizer loaded; use PrefillWithInputs"));
  }
  const TimePoint start = Now();
  XSD_ASSIGN_OR_RETURN(std::vector<TokenId> prompt,
                       VideoLlavaPromptIds(*tokenizer_, request.question, model_->config().video_token));
  XSD_ASSIGN_OR_RETURN(at::Tensor frames, LoadVideoPixels(request.video_path, options_.num_frames,
                                                          options_.frame_sampling, model_->config().vision.image_size));
  const double media_ms = MillisBetween(start, Now());
  absl::StatusOr<TargetOutput> output = PrefillWithInputs(prompt, frames, out);
  if (!output.ok()) return Annotate(output.status(), who);
  breakdown_.media_ms = media_ms;
  return output;
}

absl::StatusOr<TargetOutput> VideoLlavaVerifier::PrefillWithInputs(const std::vector<TokenId>& prompt,
                                                                   const at::Tensor& frames, const OutputRequest& out) {
  breakdown_ = PrefillBreakdown();
  TimePoint start = Now();
  XSD_ASSIGN_OR_RETURN(at::Tensor visual, model_->visual().Encode(frames));
  vision_internal::WaitForDevice(visual);
  breakdown_.vision_ms = MillisBetween(start, Now());
  start = Now();
  XSD_ASSIGN_OR_RETURN(at::Tensor embeds, model_->SpliceVisual(prompt, visual));
  XSD_ASSIGN_OR_RETURN(TargetOutput output, core_->PrefillEmbeddings(embeds, out));
  breakdown_.llm_ms = MillisBetween(start, Now());  // the core reads the argmax back: synchronised
  breakdown_.prompt_tokens = core_->cache_length();
  return output;
}

}  // namespace xsd
