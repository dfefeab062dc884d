#include "xsd/models/llama_decoder_layer.h"

#include <tuple>

#include <ATen/ATen.h>

#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {

absl::StatusOr<LlamaDecoderLayer> LlamaDecoderLayer::Load(const ScopedWeights& weights, const LlamaConfig& config,
                                                          const LlamaDecoderLayerOptions& options) {
  LlamaDecoderLayer layer;
  layer.has_input_norm_ = options.input_norm;
  if (options.input_norm) {
    XSD_ASSIGN_OR_RETURN(layer.input_norm_, RmsNorm::Load(weights, "input_layernorm.weight", config.hidden_size,
                                                          config.rms_norm_eps));
  }
  XSD_ASSIGN_OR_RETURN(layer.attention_, LlamaAttention::Load(weights.Sub("self_attn."), config));
  XSD_ASSIGN_OR_RETURN(layer.post_attention_norm_, RmsNorm::Load(weights, "post_attention_layernorm.weight",
                                                                 config.hidden_size, config.rms_norm_eps));
  XSD_ASSIGN_OR_RETURN(layer.mlp_, LlamaMlp::Load(weights.Sub("mlp."), config));
  return layer;
}

absl::StatusOr<at::Tensor> LlamaDecoderLayer::Forward(const at::Tensor& x, const LlamaForwardContext& ctx,
                                                      KvCache* cache, int layer) const {
  XSD_ASSIGN_OR_RETURN(const LlamaResidual out, ForwardResidual(LlamaResidual{x, at::Tensor()}, ctx, cache, layer));
  return TorchCall("decoder layer residual", [&]() -> absl::StatusOr<at::Tensor> { return out.base + out.delta; });
}

absl::StatusOr<LlamaResidual> LlamaDecoderLayer::ForwardResidual(const LlamaResidual& in,
                                                                 const LlamaForwardContext& ctx, KvCache* cache,
                                                                 int layer) const {
  // x = in.base + in.delta; each norm's residual add happens inside it.
  at::Tensor x = in.base, attended;
  if (has_input_norm_) {
    at::Tensor normed;
    XSD_ASSIGN_OR_RETURN(std::tie(x, normed), input_norm_.ForwardResidual(in.base, in.delta));
    XSD_ASSIGN_OR_RETURN(attended, attention_.Forward(normed, ctx, cache, layer));
  } else {
    if (in.delta.defined()) {
      XSD_RETURN_IF_ERROR(TorchCall("decoder layer residual", [&]() -> absl::Status {
        x = in.base + in.delta;
        return absl::OkStatus();
      }));
    }
    XSD_ASSIGN_OR_RETURN(attended, attention_.Forward(x, ctx, cache, layer));
  }
  LlamaResidual out;
  at::Tensor normed;
  XSD_ASSIGN_OR_RETURN(std::tie(out.base, normed), post_attention_norm_.ForwardResidual(x, attended));
  XSD_ASSIGN_OR_RETURN(out.delta, mlp_.Forward(normed, ctx.kernel_options));
  return out;
}

}  // namespace xsd
