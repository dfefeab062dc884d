// The adapters of the registry ("identity", "L1" ... "L5F": from a
// checkpoint, or random for timing runs) and the decode-phase drafter
// "hidden_head" (L5 / B1 / L5F over the target's hidden states).
#include <ATen/core/Tensor.h>

#include "absl/strings/str_cat.h"
#include "components/checks.h"
#include "components/components.h"
#include "adapters/adapter_dims.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "xsd/drafters/hidden_head_drafter.h"
#include "xsd/models/weights_checkpoint.h"

namespace xsd::components {
namespace {

// Adapters live on the target's LM head's device, in its dtype.
absl::StatusOr<std::unique_ptr<Adapter>> CreateAdapter(AdapterKind kind, const config::AdapterConfig& c,
                                                       BuildContext& ctx) {
  BuildContext sub = ctx;
  sub.field = ctx.field + ".adapter";
  XSD_ASSIGN_OR_RETURN(const at::Tensor* head, TargetLmHead(sub, "adapter to map into"));
  const int target_hidden = ctx.target->info().hidden_size;
  if (c.checkpoint().empty()) {
    AdapterDims dims;
    dims.hidden = target_hidden;
    dims.heads = c.heads();
    if (dims.hidden <= 0) return absl::FailedPreconditionError(absl::StrCat(sub.field, ": target hidden size unknown"));
    XSD_LOG(WARNING) << sub.field << ": " << c.name() << " has no checkpoint: random weights (timing runs only)";
    return MakeRandomAdapter(kind, dims, c.seed(), head->device(), head->scalar_type());
  }
  WeightSourceOptions wopts;
  wopts.device = head->device();
  wopts.dtype = head->scalar_type();
  auto source = CheckpointWeightSource::Open(c.checkpoint(), wopts);
  if (!source.ok()) return Annotate(source.status(), absl::StrCat(sub.field, ".checkpoint"));
  XSD_ASSIGN_OR_RETURN(AdapterDims dims, InferAdapterDims(kind, (*source)->reader(), c.heads()));
  if (target_hidden > 0 && dims.hidden != target_hidden) {
    return absl::InvalidArgumentError(absl::StrCat(c.checkpoint(), ": adapter width ", dims.hidden,
                                                   " differs from the target's hidden size ", target_hidden));
  }
  auto adapter = LoadAdapter(kind, dims, **source);
  if (!adapter.ok()) return Annotate(adapter.status(), c.checkpoint());
  return adapter;
}

absl::StatusOr<std::unique_ptr<Drafter>> CreateHiddenHead(const Registry& r, const config::DrafterConfig& c,
                                                          BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kHiddenHead, ctx.field, "hidden_head"));
  const config::AdapterConfig& ac = c.hidden_head().has_adapter() ? c.hidden_head().adapter() : c.adapter();
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> head, r.CreateAdapter(ac, ctx));
  HiddenHeadOptions options;
  XSD_ASSIGN_OR_RETURN(AdapterKind kind, ParseAdapterKind(ac.name()));
  if (!ac.checkpoint().empty()) {
    auto reader = CheckpointReader::Open(ac.checkpoint());
    if (reader.ok()) {
      auto dims = InferAdapterDims(kind, **reader, ac.heads());
      if (dims.ok()) options.max_positions = dims->max_positions;
    }
  }
  HiddenHeadStream stream;
  if (c.hidden_head().has_stream()) {
    BuildContext sub = ctx;
    sub.field = ctx.field + ".hidden_head.stream";
    XSD_ASSIGN_OR_RETURN(stream.owned, r.CreateDrafter(c.hidden_head().stream(), sub));
  } else {
    stream.borrowed = ctx.drafter;  // two-phase pipelines: the prefill-phase drafter
  }
  auto drafter = HiddenHeadDrafter::Create(std::move(head), ctx.target, options, std::move(stream));
  if (!drafter.ok()) return Annotate(drafter.status(), ctx.field);
  return std::unique_ptr<Drafter>(std::move(drafter).value());
}

}  // namespace

void RegisterAdapterComponents(Registry& r) {
  for (AdapterKind kind : {AdapterKind::kIdentity, AdapterKind::kL1, AdapterKind::kL2, AdapterKind::kL3, AdapterKind::kL4,
                           AdapterKind::kL5, AdapterKind::kB1, AdapterKind::kL5F}) {
    CheckRegistered(r.RegisterAdapter(AdapterKindName(kind), [kind](const config::AdapterConfig& c, BuildContext& ctx) {
      return CreateAdapter(kind, c, ctx);
    }));
  }
  const Registry* self = &r;  // outlives its factories
  CheckRegistered(r.RegisterDrafter(
      "hidden_head", [self](const config::DrafterConfig& c, BuildContext& ctx) { return CreateHiddenHead(*self, c, ctx); }));
}

}  // namespace xsd::components
