#include "xsd/models/llama_model.h"

#include <tuple>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "fused_kernels.h"

namespace xsd {

namespace {

absl::Status CheckStaticInput(const LlamaInput& input, int64_t rows, int group, int capacity) {
  if (!input.write_rows.defined() || !input.attention_bias.defined()) {
    return absl::InvalidArgumentError("llama forward (static mode): give both write_rows and attention_bias");
  }
  if (input.write_rows.numel() != rows) {
    return absl::InvalidArgumentError(absl::StrCat("llama forward (static mode): write_rows has ",
                                                   input.write_rows.numel(), " entries for ", rows, " rows"));
  }
  const at::Tensor& bias = input.attention_bias;
  if (bias.dim() != 2 || bias.size(0) != group * rows || bias.size(1) < rows || bias.size(1) > capacity) {
    return absl::InvalidArgumentError(absl::StrCat("llama forward (static mode): attention_bias must be [", group * rows,
                                                   ", S] with ", rows, " <= S <= ", capacity, " (the cache capacity)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LlamaModel>> LlamaModel::Load(const LlamaConfig& config, WeightSource* weights,
                                                             const LlamaModelOptions& options) {
  if (weights == nullptr) return absl::InvalidArgumentError("LlamaModel::Load: no weight source");
  XSD_RETURN_IF_ERROR(config.Validate("LlamaModel config"));
  std::unique_ptr<LlamaModel> model(new LlamaModel());
  model->config_ = config;
  model->device_ = weights->device();
  model->dtype_ = weights->dtype();
  model->kernel_options_ = options.kernel_options;
  const int64_t vocab = config.vocab_size, hidden = config.hidden_size;
  const ScopedWeights decoder(weights, options.names.decoder_prefix);
  XSD_ASSIGN_OR_RETURN(model->embed_, decoder.Take("embed_tokens.weight", {vocab, hidden}));
  model->layers_.reserve(config.num_layers);
  for (int l = 0; l < config.num_layers; ++l) {
    XSD_ASSIGN_OR_RETURN(LlamaDecoderLayer layer,
                         LlamaDecoderLayer::Load(decoder.Sub(absl::StrCat("layers.", l, ".")), config));
    model->layers_.push_back(std::move(layer));
  }
  XSD_ASSIGN_OR_RETURN(model->final_norm_, RmsNorm::Load(decoder, "norm.weight", config.hidden_size, config.rms_norm_eps));
  if (!config.tie_word_embeddings || weights->Has(options.names.lm_head)) {
    // A tied checkpoint that still stores the head (some exporters do) holds a copy of the embeddings.
    XSD_ASSIGN_OR_RETURN(model->lm_head_, weights->Take(options.names.lm_head, {vocab, hidden}));
  } else {
    model->lm_head_ = model->embed_;
  }
  XSD_ASSIGN_OR_RETURN(model->rope_, RotaryEmbedding::Create(LlamaRopeSpec(
                                         config, options.max_positions > 0 ? options.max_positions
                                                                           : config.max_position_embeddings,
                                         model->dtype_, model->device_)));
  return model;
}

KvCacheSpec LlamaModel::CacheSpec(int max_len) const { return LlamaCacheSpec(config_, max_len, dtype_, device_); }

RotaryEmbeddingSpec LlamaRopeSpec(const LlamaConfig& config, int max_positions, c10::ScalarType dtype,
                                  c10::Device device) {
  RotaryEmbeddingSpec rope;
  rope.rope = config.rope;
  rope.head_dim = config.head_dim;
  rope.max_positions = max_positions;
  rope.max_position_embeddings = config.max_position_embeddings;
  rope.dtype = dtype;
  rope.device = device;
  return rope;
}

KvCacheSpec LlamaCacheSpec(const LlamaConfig& config, int max_len, c10::ScalarType dtype, c10::Device device) {
  KvCacheSpec spec;
  spec.num_layers = config.num_layers;
  spec.num_kv_heads = config.num_kv_heads;
  spec.head_dim = config.head_dim;
  spec.max_len = max_len;
  spec.dtype = dtype;
  spec.device = device;
  return spec;
}

absl::StatusOr<at::Tensor> LlamaModel::Embed(const at::Tensor& tokens) const {
  return TorchCall("llama: embedding", [&]() -> absl::StatusOr<at::Tensor> { return embed_.index_select(0, tokens); });
}

absl::StatusOr<at::Tensor> LlamaModel::LmHead(const at::Tensor& hidden) const {
  auto logits = Linear(hidden, lm_head_, at::Tensor(), kernel_options_);
  if (!logits.ok()) return Annotate(logits.status(), "llama: lm head");
  return logits;
}

absl::StatusOr<LlamaOutput> LlamaModel::Forward(const LlamaInput& input, KvCache* cache) const {
  if (cache == nullptr) return absl::InvalidArgumentError("llama forward: no KV cache");
  if (input.tokens.defined() == input.embeds.defined()) {
    return absl::InvalidArgumentError("llama forward: give exactly one of tokens and embeds");
  }
  const KvCacheSpec want = CacheSpec(cache->capacity());
  if (!(cache->spec() == want)) {
    return absl::InvalidArgumentError(absl::StrCat("llama forward: cache ", cache->spec().DebugString(),
                                                   " does not match the model (", want.DebugString(), ")"));
  }
  const int64_t rows = input.tokens.defined() ? input.tokens.numel() : (input.embeds.dim() == 2 ? input.embeds.size(0) : -1);
  if (rows < 1) return absl::InvalidArgumentError("llama forward: no rows (tokens [T] or embeds [T, hidden])");
  if (input.embeds.defined() && input.embeds.size(1) != config_.hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat("llama forward: embeds have width ", input.embeds.size(1),
                                                   ", expected ", config_.hidden_size));
  }
  if (!input.positions.defined() || input.positions.numel() != rows) {
    return absl::InvalidArgumentError(absl::StrCat("llama forward: need one position per row (", rows, ")"));
  }
  const bool static_mode = input.write_rows.defined() || input.attention_bias.defined();
  const int past = cache->length();
  if (static_mode) {
    XSD_RETURN_IF_ERROR(CheckStaticInput(input, rows, config_.group_size(), cache->capacity()));
  } else if (past + rows > cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat("llama forward: ", rows, " rows after ", past,
                                              " exceed the KV cache capacity ", cache->capacity()));
  }

  LlamaOutput out;
  if (input.tokens.defined()) {
    XSD_ASSIGN_OR_RETURN(out.input_embeds, Embed(input.tokens.reshape({rows})));
  } else {
    out.input_embeds = input.embeds;
  }
  LlamaForwardContext ctx;
  ctx.past = past;
  ctx.rows = static_cast<int>(rows);
  ctx.kernel_options = kernel_options_;
  XSD_ASSIGN_OR_RETURN(std::tie(ctx.cos, ctx.sin), rope_.Gather(input.positions.reshape({rows})));
  if (static_mode) {
    ctx.write_rows = input.write_rows;
    ctx.span = static_cast<int>(input.attention_bias.size(1));
    ctx.mask.rows = ctx.rows;
    ctx.mask.group = config_.group_size();
    ctx.mask.past = ctx.span - ctx.rows;
    ctx.mask.bias = input.attention_bias;
  } else {
    XSD_ASSIGN_OR_RETURN(ctx.mask, AttentionMask::Build(past, ctx.rows, config_.group_size(), input.tree_mask,
                                                        out.input_embeds));
  }
  // Each layer's residual add happens inside the next norm's kernel.
  LlamaResidual h{out.input_embeds, at::Tensor()};
  for (size_t l = 0; l < layers_.size(); ++l) {
    XSD_ASSIGN_OR_RETURN(h, layers_[l].ForwardResidual(h, ctx, cache, static_cast<int>(l)));
  }
  if (h.delta.defined()) {
    XSD_ASSIGN_OR_RETURN(std::tie(std::ignore, out.hidden), final_norm_.ForwardResidual(h.base, h.delta));
  } else {
    XSD_ASSIGN_OR_RETURN(out.hidden, final_norm_.Forward(h.base));
  }
  if (input.logits == LogitsRows::kAll) {
    XSD_ASSIGN_OR_RETURN(out.logits, LmHead(out.hidden));
  } else if (input.logits == LogitsRows::kLast) {
    XSD_ASSIGN_OR_RETURN(out.logits, LmHead(out.hidden.narrow(0, rows - 1, 1)));
  }
  return out;
}

absl::StatusOr<at::Tensor> PositionsTensor(const std::vector<int64_t>& positions, const c10::Device& device) {
  return TorchCall("llama: positions tensor", [&]() -> absl::StatusOr<at::Tensor> {
    return at::tensor(positions, at::TensorOptions().dtype(at::kLong)).to(device);
  });
}

absl::StatusOr<at::Tensor> TokensTensor(const std::vector<int32_t>& tokens, const c10::Device& device) {
  return PositionsTensor(std::vector<int64_t>(tokens.begin(), tokens.end()), device);
}

absl::StatusOr<at::Tensor> PositionRange(int64_t start, int64_t count, const c10::Device& device) {
  return TorchCall("llama: position range", [&]() -> absl::StatusOr<at::Tensor> {
    return at::arange(start, start + count, at::TensorOptions().dtype(at::kLong).device(device));
  });
}

}  // namespace xsd
