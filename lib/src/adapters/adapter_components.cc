#include "xsd/adapters/adapter_components.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "xsd/drafters/hidden_head_drafter.h"
#include "xsd/models/weights_checkpoint.h"

namespace xsd {
namespace {

absl::StatusOr<int64_t> Dim(const CheckpointReader& ckpt, const std::string& tensor, int axis) {
  const TensorInfo* info = ckpt.Find(tensor);
  if (info == nullptr || static_cast<int>(info->shape.size()) <= axis) {
    return absl::NotFoundError(absl::StrCat(ckpt.path(), ": tensor '", tensor, "' needed to size the adapter is missing"));
  }
  return info->shape[axis];
}

int CountPrefixed(const CheckpointReader& ckpt, const std::string& prefix, const std::string& suffix) {
  int n = 0;
  while (ckpt.Find(absl::StrCat(prefix, n, suffix)) != nullptr) ++n;
  return n;
}

// The device and dtype adapters live in: the target's LM head's.
absl::StatusOr<std::pair<c10::Device, c10::ScalarType>> TargetPlacement(const BuildContext& ctx) {
  if (ctx.target == nullptr || ctx.target->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.field, ".adapter: the target '",
                                                      ctx.target ? ctx.target->info().name : "?",
                                                      "' exposes no LM head to map into"));
  }
  const at::Tensor& head = *ctx.target->lm_head();
  return std::make_pair(head.device(), head.scalar_type());
}

absl::StatusOr<std::unique_ptr<Adapter>> CreateAdapter(AdapterKind kind, const config::AdapterConfig& c,
                                                       BuildContext& ctx) {
  XSD_ASSIGN_OR_RETURN(auto placement, TargetPlacement(ctx));
  if (c.checkpoint().empty()) {
    AdapterDims dims;
    dims.hidden = ctx.target->info().hidden_size;
    dims.heads = c.heads();
    if (dims.hidden <= 0) return absl::FailedPreconditionError(absl::StrCat(ctx.field, ".adapter: target hidden size unknown"));
    XSD_LOG(WARNING) << ctx.field << ".adapter: " << c.name() << " has no checkpoint: random weights (timing runs only)";
    return MakeRandomAdapter(kind, dims, c.seed(), placement.first, placement.second);
  }
  WeightSourceOptions wopts;
  wopts.device = placement.first;
  wopts.dtype = placement.second;
  auto source = CheckpointWeightSource::Open(c.checkpoint(), wopts);
  if (!source.ok()) return Annotate(source.status(), absl::StrCat(ctx.field, ".adapter.checkpoint"));
  XSD_ASSIGN_OR_RETURN(AdapterDims dims, InferAdapterDims(kind, (*source)->reader(), c.heads()));
  if (ctx.target->info().hidden_size > 0 && dims.hidden != ctx.target->info().hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat(c.checkpoint(), ": adapter width ", dims.hidden,
                                                   " differs from the target's hidden size ",
                                                   ctx.target->info().hidden_size));
  }
  auto adapter = LoadAdapter(kind, dims, **source);
  if (!adapter.ok()) return Annotate(adapter.status(), c.checkpoint());
  return adapter;
}

}  // namespace

absl::StatusOr<AdapterDims> InferAdapterDims(AdapterKind kind, const CheckpointReader& ckpt, int heads) {
  AdapterDims d;
  d.heads = heads;
  for (const auto& file : ckpt.files()) {
    auto it = file->metadata().find("config");
    if (it == file->metadata().end()) continue;
    const auto config = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (config.is_object() && config.contains("num_heads") && config["num_heads"].is_number_integer()) {
      d.heads = config["num_heads"].get<int>();
    }
  }
  switch (kind) {
    case AdapterKind::kIdentity:
      return d;
    case AdapterKind::kL1: {
      XSD_ASSIGN_OR_RETURN(d.hidden, Dim(ckpt, "final_norm.weight", 0));
      XSD_ASSIGN_OR_RETURN(d.bottleneck, Dim(ckpt, "layers.0.down_proj.weight", 0));
      return d;
    }
    case AdapterKind::kL2: {
      XSD_ASSIGN_OR_RETURN(d.hidden, Dim(ckpt, "final_norm.weight", 0));
      XSD_ASSIGN_OR_RETURN(d.bottleneck, Dim(ckpt, "blocks.0.down_proj.weight", 0));
      d.l2_blocks = CountPrefixed(ckpt, "blocks.", ".down_proj.weight");
      return d;
    }
    case AdapterKind::kL3: {
      XSD_ASSIGN_OR_RETURN(d.hidden, Dim(ckpt, "final_norm.weight", 0));
      XSD_ASSIGN_OR_RETURN(d.wide_bottleneck, Dim(ckpt, "blocks.0.0.weight", 0));
      d.l3_blocks = CountPrefixed(ckpt, "blocks.", ".0.weight");
      return d;
    }
    case AdapterKind::kL4:
    case AdapterKind::kL5:
    case AdapterKind::kB1:
    case AdapterKind::kL5F: {
      XSD_ASSIGN_OR_RETURN(d.hidden, Dim(ckpt, "layers.0.attn_norm.weight", 0));
      XSD_ASSIGN_OR_RETURN(d.ffn, Dim(ckpt, "layers.0.ffn.0.weight", 0));
      if (kind != AdapterKind::kL4) {
        XSD_ASSIGN_OR_RETURN(d.max_positions, Dim(ckpt, "pos_embed", 1));
      }
      if (d.heads < 1 || d.hidden % d.heads != 0) {
        return absl::InvalidArgumentError(absl::StrCat(ckpt.path(), ": adapter width ", d.hidden,
                                                       " is not divisible by ", d.heads, " heads"));
      }
      return d;
    }
  }
  return d;
}

void RegisterAdapterComponents(Registry& r) {
  for (AdapterKind kind : {AdapterKind::kIdentity, AdapterKind::kL1, AdapterKind::kL2, AdapterKind::kL3, AdapterKind::kL4,
                           AdapterKind::kL5, AdapterKind::kB1, AdapterKind::kL5F}) {
    absl::Status s = r.RegisterAdapter(AdapterKindName(kind), [kind](const config::AdapterConfig& c, BuildContext& ctx) {
      return CreateAdapter(kind, c, ctx);
    });
    if (!s.ok()) std::abort();  // duplicate built-in name: a programming error every test catches
  }
  absl::Status s = r.RegisterDrafter(
      "hidden_head", [&r](const config::DrafterConfig& c, BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Drafter>> {
        if (c.options_case() != config::DrafterConfig::OPTIONS_NOT_SET &&
            c.options_case() != config::DrafterConfig::kHiddenHead) {
          return absl::InvalidArgumentError(absl::StrCat(ctx.field, ": 'hidden_head' takes hidden_head options"));
        }
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
        auto drafter = HiddenHeadDrafter::Create(std::move(head), ctx.target, options);
        if (!drafter.ok()) return Annotate(drafter.status(), ctx.field);
        return std::unique_ptr<Drafter>(std::move(drafter).value());
      });
  if (!s.ok()) std::abort();
}

}  // namespace xsd
