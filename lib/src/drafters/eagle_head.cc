#include "xsd/drafters/eagle_head.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/models/attention.h"
#include "xsd/models/llama_attention.h"
#include "xsd/models/llama_model.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<EagleHead>> EagleHead::Load(const LlamaConfig& config, WeightSource* weights,
                                                           int max_positions) {
  if (weights == nullptr) return absl::InvalidArgumentError("eagle head: no weights");
  std::unique_ptr<EagleHead> head(new EagleHead());
  head->config_ = config;
  head->config_.num_layers = 1;
  head->dtype_ = weights->dtype();
  head->device_ = weights->device();
  const int64_t d = config.hidden_size;
  XSD_ASSIGN_OR_RETURN(head->fc_weight_, weights->Take("fc.weight", {d, 2 * d}));
  XSD_ASSIGN_OR_RETURN(head->fc_bias_, weights->Take("fc.bias", {d}));
  LlamaDecoderLayerOptions layer_options;
  layer_options.input_norm = false;
  XSD_ASSIGN_OR_RETURN(head->layer_, LlamaDecoderLayer::Load(ScopedWeights(weights, "layers.0."), head->config_,
                                                             layer_options));
  XSD_ASSIGN_OR_RETURN(head->rope_,
                       RotaryEmbedding::Create(LlamaRopeSpec(config, max_positions, head->dtype_, head->device_)));
  return head;
}

KvCacheSpec EagleHead::CacheSpec(int max_len) const { return LlamaCacheSpec(config_, max_len, dtype_, device_); }

absl::StatusOr<at::Tensor> EagleHead::Forward(const at::Tensor& embeds, const at::Tensor& features,
                                              const at::Tensor& positions, const at::Tensor& tree_mask,
                                              KvCache* cache) const {
  if (cache == nullptr || !(cache->spec() == CacheSpec(cache->capacity()))) {
    return absl::InvalidArgumentError("eagle head: missing or mismatched KV cache");
  }
  const int64_t rows = embeds.size(0);
  if (features.size(0) != rows || positions.numel() != rows) {
    return absl::InvalidArgumentError(absl::StrCat("eagle head: ", rows, " embeddings, ", features.size(0),
                                                   " features, ", positions.numel(), " positions"));
  }
  if (cache->length() + rows > cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat("eagle head: ", rows, " rows after ", cache->length(),
                                              " exceed its cache of ", cache->capacity()));
  }
  LlamaForwardContext ctx;
  ctx.past = cache->length();
  ctx.rows = static_cast<int>(rows);
  at::Tensor x;
  XSD_RETURN_IF_ERROR(TorchCall("eagle head fc", [&]() -> absl::Status {
    const at::Tensor both = at::cat({embeds.to(device_, dtype_), features.to(device_, dtype_)}, -1);
    x = at::linear(both, fc_weight_, fc_bias_);
    return absl::OkStatus();
  }));
  XSD_ASSIGN_OR_RETURN(std::tie(ctx.cos, ctx.sin), rope_.Gather(positions.to(device_)));
  XSD_ASSIGN_OR_RETURN(ctx.mask, AttentionMask::Build(ctx.past, ctx.rows, config_.group_size(), tree_mask, x));
  return layer_.Forward(x, ctx, cache, 0);
}

}  // namespace xsd
