#include "xsd/vision/eventgpt_drafter.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "nn_ops.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd {

// EventGPT's prompt for the LLaMA drafter: event images, the vision tower,
// the splice at <event>.
class EventGptPromptEncoder final : public LlamaPromptEncoder {
 public:
  EventGptPromptEncoder(std::shared_ptr<const EventGptModel> model, std::shared_ptr<const Tokenizer> tokenizer,
                        std::string name)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)), name_(std::move(name)) {}

  // The next Encode uses these instead of the request's media and question.
  struct Inputs {
    std::vector<TokenId> before, after;
    at::Tensor pixels;
  };
  void SetNextInputs(Inputs inputs) { next_ = std::move(inputs); }

  absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel&) override {
    LlamaPrompt out;
    Inputs in;
    if (next_.has_value()) {
      in = std::move(*next_);
      next_.reset();
    } else {
      const std::string who = absl::StrCat(name_, " drafter, request '", request.id, "'");
      if (tokenizer_ == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(who, ": no tokenizer loaded; use BeginWithInputs"));
      }
      const TimePoint start = Now();
      XSD_ASSIGN_OR_RETURN(SplitPromptIds ids, EventGptPromptIds(*tokenizer_, request.question));
      absl::StatusOr<std::vector<std::string>> paths = RequestMedia(request, kEventImagesMedia);
      if (!paths.ok()) return Annotate(paths.status(), who);
      absl::StatusOr<at::Tensor> pixels = LoadEventPixels(*paths, model_->config().vision.image_size);
      if (!pixels.ok()) return Annotate(pixels.status(), who);
      in = Inputs{std::move(ids.before), std::move(ids.after), std::move(pixels).value()};
      out.media_ms = MillisBetween(start, Now());
    }
    const TimePoint start = Now();
    XSD_ASSIGN_OR_RETURN(at::Tensor visual, model_->visual().Encode(in.pixels));
    vision_internal::WaitForDevice(visual);
    out.vision_ms = MillisBetween(start, Now());
    XSD_ASSIGN_OR_RETURN(out.embeds, model_->SpliceVisual(in.before, in.after, visual));
    return out;
  }
  const Tokenizer* tokenizer() const override { return tokenizer_.get(); }

 private:
  std::shared_ptr<const EventGptModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;  // may be null
  std::string name_;
  std::optional<Inputs> next_;
};

EventGptDrafter::EventGptDrafter(std::unique_ptr<LlamaDrafter> llm, EventGptPromptEncoder* encoder)
    : llm_(std::move(llm)), encoder_(encoder) {}

EventGptDrafter::~EventGptDrafter() = default;

absl::StatusOr<std::unique_ptr<EventGptDrafter>> EventGptDrafter::Create(std::shared_ptr<const EventGptModel> model,
                                                                         const EventGptDrafterOptions& options,
                                                                         std::shared_ptr<const Tokenizer> tokenizer,
                                                                         std::unique_ptr<DraftHead> head) {
  if (model == nullptr) return absl::InvalidArgumentError("eventgpt drafter: no model");
  auto encoder = std::make_unique<EventGptPromptEncoder>(model, std::move(tokenizer), options.name);
  EventGptPromptEncoder* borrowed = encoder.get();
  LlamaSequenceOptions sequence;
  sequence.max_seq_len = options.max_seq_len;
  sequence.name = options.name;
  sequence.step_mode = options.step_mode;
  LlamaDrafterExtras extras;
  extras.head = std::move(head);
  extras.hidden_rows = true;  // adapters, L5F's stream, feature extraction
  extras.own_stream = true;   // one-GPU prefill hiding
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaDrafter> llm,
                       LlamaDrafter::CreateWithPromptEncoder(model->shared_llm(), sequence, std::move(encoder),
                                                             std::move(extras)));
  return std::unique_ptr<EventGptDrafter>(new EventGptDrafter(std::move(llm), borrowed));
}

absl::Status EventGptDrafter::Begin(const DraftContext& context) {
  if (context.request == nullptr) return absl::InvalidArgumentError("eventgpt drafter: Begin without a request");
  return llm_->Begin(context);
}

absl::Status EventGptDrafter::BeginWithInputs(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                                              const at::Tensor& pixels) {
  encoder_->SetNextInputs(EventGptPromptEncoder::Inputs{before, after, pixels});
  Request request;
  request.id = "inputs";
  return llm_->Begin(DraftContext{&request, SamplingParams(), 0});
}

}  // namespace xsd
