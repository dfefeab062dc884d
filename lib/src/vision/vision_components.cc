#include "xsd/vision/vision_components.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/base/torch_status.h"
#include "xsd/config/registry.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/video_llava_verifier.h"

namespace xsd {
namespace {

c10::ScalarType PipelineDtype(const config::PipelineConfig* pipeline) {
  if (pipeline == nullptr) return c10::ScalarType::Float;
  switch (pipeline->dtype()) {
    case config::BFLOAT16: return c10::ScalarType::BFloat16;
    case config::FLOAT16: return c10::ScalarType::Half;
    default: return c10::ScalarType::Float;
  }
}

// "cpu", "cuda" (device 0), "cuda:N": already checked by ValidatePipelineConfig.
absl::StatusOr<c10::Device> ParseDevice(const std::string& device, const std::string& field) {
  return TorchCall(field, [&]() -> absl::StatusOr<c10::Device> {
    return c10::Device(device == "cuda" ? std::string("cuda:0") : device);
  });
}

// The checkpoint directory of a component, with the field path in errors.
absl::StatusOr<std::string> CheckpointPath(const config::CheckpointOptions& options, const std::string& field) {
  if (!options.path().empty()) return options.path();
  if (!options.random_preset().empty()) {
    return absl::UnimplementedError(absl::StrCat(field, ".checkpoint.random_preset: not supported for this model; ",
                                                 "write one with `xsd_make_checkpoint --preset ... --out DIR` and set ",
                                                 field, ".checkpoint.path"));
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ".checkpoint.path: required"));
}

// The checkpoint's tokenizer: requests carry questions, so one is required.
absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const std::string& path, const std::string& field) {
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::Load(path);
  if (!tokenizer.ok()) {
    return Annotate(tokenizer.status(), absl::StrCat(field, ".checkpoint.path: the checkpoint's tokenizer"));
  }
  return std::shared_ptr<const Tokenizer>(std::move(tokenizer).value());
}

absl::StatusOr<BuiltVerifier> CreateVideoLlava(const config::VerifierConfig& c, BuildContext& ctx) {
  if (c.options_case() != config::VerifierConfig::OPTIONS_NOT_SET &&
      c.options_case() != config::VerifierConfig::kVideoLlava) {
    return absl::InvalidArgumentError(absl::StrCat(ctx.field, ": 'video_llava' takes video_llava options"));
  }
  const config::VideoLlavaOptions& o = c.video_llava();
  XSD_ASSIGN_OR_RETURN(std::string path, CheckpointPath(o.checkpoint(), ctx.field + ".video_llava"));
  VideoLlavaLoadOptions load;
  load.checkpoint = path;
  load.dtype = PipelineDtype(ctx.pipeline);
  XSD_ASSIGN_OR_RETURN(load.device, ParseDevice(c.device(), ctx.field + ".device"));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<VideoLlavaModel> model, VideoLlavaModel::Load(load));
  XSD_ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer, LoadTokenizer(path, ctx.field + ".video_llava"));
  VideoLlavaVerifierOptions options;
  options.max_seq_len = o.max_seq_len();
  options.num_frames = o.num_frames();
  options.step_mode = LlamaStepModeFor(c.cuda_graphs());
  options.frame_sampling = o.frame_sampling() == config::VideoLlavaOptions::FIRST_N_PAD_LAST
                               ? FrameSampling::kFirstNPadLast
                               : FrameSampling::kUniform;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<VideoLlavaVerifier> verifier,
                       VideoLlavaVerifier::Create(std::move(model), options, std::move(tokenizer)));
  BuiltVerifier built;
  built.verifier = std::move(verifier);
  return built;
}

absl::StatusOr<std::unique_ptr<Drafter>> CreateEventGpt(const Registry& registry, const config::DrafterConfig& c,
                                                        BuildContext& ctx) {
  if (c.options_case() != config::DrafterConfig::OPTIONS_NOT_SET && c.options_case() != config::DrafterConfig::kEventgpt) {
    return absl::InvalidArgumentError(absl::StrCat(ctx.field, ": 'eventgpt' takes eventgpt options"));
  }
  const config::EventGptOptions& o = c.eventgpt();
  XSD_ASSIGN_OR_RETURN(std::string path, CheckpointPath(o.checkpoint(), ctx.field + ".eventgpt"));
  EventGptLoadOptions load;
  load.checkpoint = path;
  load.dtype = PipelineDtype(ctx.pipeline);
  XSD_ASSIGN_OR_RETURN(load.device, ParseDevice(c.device(), ctx.field + ".device"));
  load.feature_adaptor_twice = o.feature_adaptor_twice();
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<EventGptModel> model, EventGptModel::Load(load));
  XSD_ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer, LoadTokenizer(path, ctx.field + ".eventgpt"));
  std::unique_ptr<DraftHead> head;
  if (c.has_adapter() && !c.adapter().name().empty() && c.adapter().name() != "identity") {
    if (ctx.target == nullptr || ctx.target->lm_head() == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(ctx.field, ".adapter: the target exposes no LM head to draft through"));
    }
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> adapter, registry.CreateAdapter(c.adapter(), ctx));
    head = MakeAdapterDraftHead(std::move(adapter), ctx.target->lm_head());
  }
  EventGptDrafterOptions options;
  options.max_seq_len = o.max_seq_len();
  options.step_mode = LlamaStepModeFor(c.cuda_graphs());
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<EventGptDrafter> drafter,
                       EventGptDrafter::Create(std::move(model), options, std::move(tokenizer), std::move(head)));
  return std::unique_ptr<Drafter>(std::move(drafter));
}

}  // namespace

void RegisterVisionComponents(Registry& registry) {
  // A duplicate name is a programming error that every test catches.
  if (!registry.RegisterVerifier("video_llava", CreateVideoLlava).ok()) std::abort();
  const Registry* self = &registry;  // outlives its factories
  auto eventgpt = [self](const config::DrafterConfig& c, BuildContext& ctx) { return CreateEventGpt(*self, c, ctx); };
  if (!registry.RegisterDrafter("eventgpt", eventgpt).ok()) std::abort();
}

}  // namespace xsd
