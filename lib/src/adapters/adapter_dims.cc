#include "adapters/adapter_dims.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"

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

}  // namespace xsd
