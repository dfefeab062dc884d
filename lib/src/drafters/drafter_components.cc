#include "xsd/drafters/drafter_components.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/base/torch_status.h"
#include "xsd/drafters/eagle_drafter.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/weights_checkpoint.h"

namespace xsd {
namespace {

absl::StatusOr<std::unique_ptr<Drafter>> CreateEagle(const config::DrafterConfig& c, BuildContext& ctx) {
  if (c.options_case() != config::DrafterConfig::OPTIONS_NOT_SET && c.options_case() != config::DrafterConfig::kEagle) {
    return absl::InvalidArgumentError(absl::StrCat(ctx.field, ": 'eagle' takes eagle options"));
  }
  const config::EagleOptions& o = c.eagle();
  if (ctx.target == nullptr || ctx.target->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.field, ": the target exposes no LM head for EAGLE"));
  }
  WeightSourceOptions wopts;
  wopts.device = ctx.target->lm_head()->device();
  wopts.dtype = ctx.target->lm_head()->scalar_type();
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

void RegisterDrafterComponents(Registry& r) {
  if (!r.RegisterDrafter("eagle", CreateEagle).ok()) std::abort();  // duplicate built-in name
}

}  // namespace xsd
