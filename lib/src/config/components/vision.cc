// The multimodal models of the registry: the "video_llava" verifier and the
// "eventgpt" drafter (with an adapter, it drafts through the target's LM
// head).
#include "absl/strings/str_cat.h"
#include "components/checks.h"
#include "components/components.h"
#include "xsd/base/status.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/video_llava_verifier.h"

namespace xsd::components {
namespace {

// What both multimodal models are loaded with, from their component config
// (`where`: "target.video_llava"): the checkpoint, the pipeline's dtype, the
// device, the numerics and kernel seams, the vision tower's CUDA graphs.
template <typename Load, typename ComponentConfig, typename ModelConfig>
absl::StatusOr<Load> MultimodalLoadOptions(const ComponentConfig& c, const ModelConfig& o, const BuildContext& ctx,
                                           const std::string& where) {
  Load load;
  XSD_ASSIGN_OR_RETURN(load.checkpoint, CheckpointPath(o.checkpoint(), where));
  XSD_ASSIGN_OR_RETURN(load.dtype, ComponentDtype(config::DTYPE_UNSPECIFIED, ctx, ctx.field));
  XSD_ASSIGN_OR_RETURN(load.device, ParseDevice(c.device(), ctx.field + ".device"));
  load.model.kernel_options = PipelineKernelOptions(ctx);
  load.model.vision_cuda_graphs = o.vision_cuda_graphs();
  return load;
}

absl::StatusOr<BuiltVerifier> CreateVideoLlava(const config::VerifierConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::VerifierConfig::kVideoLlava, ctx.field, "video_llava"));
  const std::string where = ctx.field + ".video_llava";
  const config::VideoLlavaOptions& o = c.video_llava();
  XSD_ASSIGN_OR_RETURN(const auto load, (MultimodalLoadOptions<VideoLlavaLoadOptions>(c, o, ctx, where)));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<VideoLlavaModel> model, VideoLlavaModel::Load(load));
  XSD_ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer,
                       LoadTokenizer(load.checkpoint, where, /*required=*/true));
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
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kEventgpt, ctx.field, "eventgpt"));
  const std::string where = ctx.field + ".eventgpt";
  const config::EventGptOptions& o = c.eventgpt();
  XSD_ASSIGN_OR_RETURN(auto load, (MultimodalLoadOptions<EventGptLoadOptions>(c, o, ctx, where)));
  load.feature_adaptor_twice = o.feature_adaptor_twice();
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<EventGptModel> model, EventGptModel::Load(load));
  XSD_ASSIGN_OR_RETURN(std::shared_ptr<const Tokenizer> tokenizer,
                       LoadTokenizer(load.checkpoint, where, /*required=*/true));
  std::unique_ptr<DraftHead> head;
  if (c.has_adapter() && !c.adapter().name().empty() && c.adapter().name() != "identity") {
    BuildContext sub = ctx;
    sub.field = ctx.field + ".adapter";
    XSD_ASSIGN_OR_RETURN(const at::Tensor* lm_head, TargetLmHead(sub, "adapter to draft through"));
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> adapter, registry.CreateAdapter(c.adapter(), ctx));
    head = MakeAdapterDraftHead(std::move(adapter), lm_head);
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
  CheckRegistered(registry.RegisterVerifier("video_llava", CreateVideoLlava));
  const Registry* self = &registry;  // outlives its factories
  CheckRegistered(registry.RegisterDrafter(
      "eventgpt", [self](const config::DrafterConfig& c, BuildContext& ctx) { return CreateEventGpt(*self, c, ctx); }));
}

}  // namespace xsd::components
