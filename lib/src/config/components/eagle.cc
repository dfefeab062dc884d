// The "eagle" drafter of the registry: an EAGLE-1 head (chains and EAGLE-2
// trees) from a checkpoint, or random weights in a LLaMA preset's shapes.
#include <cmath>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "components/checks.h"
#include "components/components.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/drafters/eagle_drafter.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/weights_checkpoint.h"

namespace xsd::components {
namespace {

absl::StatusOr<std::unique_ptr<Drafter>> CreateEagle(const config::DrafterConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kEagle, ctx.field, "eagle"));
  const config::EagleOptions& o = c.eagle();
  XSD_ASSIGN_OR_RETURN(const at::Tensor* lm_head, TargetLmHead(ctx, "EAGLE head"));
  WeightSourceOptions wopts;
  wopts.device = lm_head->device();
  wopts.dtype = lm_head->scalar_type();
  std::unique_ptr<EagleHead> head;
  if (!o.checkpoint().path().empty()) {
    const std::string dir = o.checkpoint().path();
    XSD_ASSIGN_OR_RETURN(LlamaConfig config, LoadLlamaConfig(dir + "/config.json"));
    auto source = CheckpointWeightSource::Open(dir, wopts);
    if (!source.ok()) return Annotate(source.status(), absl::StrCat(ctx.field, ".eagle.checkpoint"));
    auto loaded = EagleHead::Load(config, source->get(), o.max_seq_len());
    if (!loaded.ok()) return Annotate(loaded.status(), dir);
    head = std::move(loaded).value();
  } else if (!o.checkpoint().random_preset().empty()) {
    XSD_ASSIGN_OR_RETURN(LlamaConfig config, LlamaPresetConfig(o.checkpoint().random_preset()));
    config.num_layers = 1;
    config.vocab_size = ctx.target->info().vocab_size;
    LlamaWeightNames names;
    names.decoder_prefix = "";
    XSD_ASSIGN_OR_RETURN(auto weights, RandomLlamaWeights(config, o.random_seed(), wopts, names));
    XSD_RETURN_IF_ERROR(TorchCall("random eagle fc", [&]() -> absl::Status {
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.random_seed() + 1);
      const int64_t d = config.hidden_size;
      const double scale = 1.0 / std::sqrt(2.0 * d);
      weights->Set("fc.weight", (at::randn({d, 2 * d}, gen) * scale).to(wopts.device, wopts.dtype));
      weights->Set("fc.bias", at::zeros({d}).to(wopts.device, wopts.dtype));
      return absl::OkStatus();
    }));
    XSD_ASSIGN_OR_RETURN(head, EagleHead::Load(config, weights.get(), o.max_seq_len()));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(ctx.field, ".eagle.checkpoint: give a path or a random_preset"));
  }
  auto drafter = EagleDrafter::Create(std::move(head), ctx.target, o.max_seq_len());
  if (!drafter.ok()) return Annotate(drafter.status(), ctx.field);
  return std::unique_ptr<Drafter>(std::move(drafter).value());
}

}  // namespace

void RegisterEagleComponents(Registry& r) { CheckRegistered(r.RegisterDrafter("eagle", CreateEagle)); }

}  // namespace xsd::components
