#include "xsd/vision/clip_vision_tower.h"

#include <ATen/ATen.h>


#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nn_ops.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/device/cuda_graph.h"

namespace xsd {

using vision_internal::Linear;
using vision_internal::TakeLinear;

struct ClipVisionTower::Layer {
  at::Tensor ln1_w, ln1_b, ln2_w, ln2_b;
  Linear qkv;  // q, k and v projections fused: [3h, h]
  Linear out, fc1, fc2;
};

namespace {

absl::StatusOr<Linear> TakeFusedQkv(const ScopedWeights& attn, int64_t h) {
  XSD_ASSIGN_OR_RETURN(Linear q, TakeLinear(attn, "q_proj", h, h, true));
  XSD_ASSIGN_OR_RETURN(Linear k, TakeLinear(attn, "k_proj", h, h, true));
  XSD_ASSIGN_OR_RETURN(Linear v, TakeLinear(attn, "v_proj", h, h, true));
  return TorchCall(absl::StrCat(attn.prefix(), "{q,k,v}_proj: fusing"), [&]() -> absl::StatusOr<Linear> {
    Linear fused;
    fused.weight = at::cat({q.weight, k.weight, v.weight}, 0);
    fused.bias = at::cat({q.bias, k.bias, v.bias}, 0);
    return fused;
  });
}

}  // namespace

ClipVisionTower::ClipVisionTower(const ClipVisionConfig& config) : config_(config) {}
ClipVisionTower::~ClipVisionTower() = default;

absl::StatusOr<std::unique_ptr<ClipVisionTower>> ClipVisionTower::Load(const ClipVisionConfig& config,
                                                                        const ScopedWeights& weights,
                                                                        bool cuda_graphs) {
  XSD_RETURN_IF_ERROR(config.Validate(absl::StrCat("CLIP vision tower '", weights.prefix(), "'")));
  // Published checkpoints nest everything under "vision_model."; transformers 5 saves drop it.
  const ScopedWeights root =
      weights.Has("vision_model.embeddings.patch_embedding.weight") ? weights.Sub("vision_model.") : weights;
  const int64_t h = config.hidden_size;
  const int64_t p = config.patch_size;
  std::unique_ptr<ClipVisionTower> tower(new ClipVisionTower(config));
  tower->cuda_graphs_ = cuda_graphs;

  const ScopedWeights emb = root.Sub("embeddings.");
  XSD_ASSIGN_OR_RETURN(tower->patch_weight_, emb.Take("patch_embedding.weight", {h, config.num_channels, p, p}));
  XSD_ASSIGN_OR_RETURN(tower->class_embedding_, emb.Take("class_embedding", {h}));
  XSD_ASSIGN_OR_RETURN(tower->position_embedding_, emb.Take("position_embedding.weight", {config.num_positions(), h}));
  if (emb.Has("position_ids")) {
    // A non-persistent buffer that older checkpoints still carry: always arange.
    XSD_RETURN_IF_ERROR(emb.Take("position_ids", {1, config.num_positions()}).status());
  }
  XSD_ASSIGN_OR_RETURN(tower->pre_ln_w_, root.Take("pre_layrnorm.weight", {h}));
  XSD_ASSIGN_OR_RETURN(tower->pre_ln_b_, root.Take("pre_layrnorm.bias", {h}));
  XSD_ASSIGN_OR_RETURN(tower->post_ln_w_, root.Take("post_layernorm.weight", {h}));
  XSD_ASSIGN_OR_RETURN(tower->post_ln_b_, root.Take("post_layernorm.bias", {h}));

  const int64_t ff = config.intermediate_size;
  tower->layers_.resize(config.num_hidden_layers);
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const ScopedWeights lw = root.Sub(absl::StrCat("encoder.layers.", i, "."));
    Layer& layer = tower->layers_[i];
    XSD_ASSIGN_OR_RETURN(layer.ln1_w, lw.Take("layer_norm1.weight", {h}));
    XSD_ASSIGN_OR_RETURN(layer.ln1_b, lw.Take("layer_norm1.bias", {h}));
    XSD_ASSIGN_OR_RETURN(layer.qkv, TakeFusedQkv(lw.Sub("self_attn."), h));
    XSD_ASSIGN_OR_RETURN(layer.out, TakeLinear(lw, "self_attn.out_proj", h, h, true));
    XSD_ASSIGN_OR_RETURN(layer.ln2_w, lw.Take("layer_norm2.weight", {h}));
    XSD_ASSIGN_OR_RETURN(layer.ln2_b, lw.Take("layer_norm2.bias", {h}));
    XSD_ASSIGN_OR_RETURN(layer.fc1, TakeLinear(lw, "mlp.fc1", ff, h, true));
    XSD_ASSIGN_OR_RETURN(layer.fc2, TakeLinear(lw, "mlp.fc2", h, ff, true));
  }
  return tower;
}

int ClipVisionTower::TokensPerImage(const ClipFeatureSelect& select) const {
  return config_.num_positions() - (select.drop_cls ? 1 : 0);
}

absl::StatusOr<int> ClipVisionTower::ResolveLayer(int layer) const {
  const int n = config_.num_hidden_layers;
  const int index = layer < 0 ? n + 1 + layer : layer;
  if (index < 0 || index > n) {
    return absl::InvalidArgumentError(absl::StrCat("CLIP vision tower: hidden state ", layer,
                                                   " out of range for ", n, " layers (valid: ", -(n + 1), "..", n, ")"));
  }
  return index;
}

absl::StatusOr<at::Tensor> ClipVisionTower::Forward(const at::Tensor& pixels, const ClipFeatureSelect& select) const {
  XSD_ASSIGN_OR_RETURN(const int run_layers, ResolveLayer(select.layer));
  const int64_t s = config_.image_size;
  if (!pixels.defined() || pixels.dim() != 4 || pixels.size(1) != config_.num_channels || pixels.size(2) != s ||
      pixels.size(3) != s) {
    return absl::InvalidArgumentError(
        absl::StrCat("CLIP vision tower: pixels of shape [", pixels.defined() ? absl::StrJoin(pixels.sizes(), ", ") : "",
                     "], expected [N, ", config_.num_channels, ", ", s, ", ", s, "]"));
  }
  at::Tensor x;
  XSD_RETURN_IF_ERROR(TorchCall("CLIP vision tower input", [&]() -> absl::Status {
    x = pixels.to(patch_weight_.device(), patch_weight_.scalar_type());
    return absl::OkStatus();
  }));
  XSD_ASSIGN_OR_RETURN(at::Tensor graphed, ForwardGraphed(x, run_layers, select.drop_cls));
  if (graphed.defined()) return graphed;
  return TorchCall("CLIP vision tower forward",
                   [&]() -> absl::StatusOr<at::Tensor> { return ForwardEager(x, run_layers, select.drop_cls); });
}

at::Tensor ClipVisionTower::ForwardEager(const at::Tensor& x, int run_layers, bool drop_cls) const {
  const int64_t n = x.size(0);
  const int64_t h = config_.hidden_size;
  const int64_t heads = config_.num_attention_heads;
  const int64_t d = config_.head_dim();
  const double eps = config_.layer_norm_eps;
  // [N, h, g, g] -> [N, g*g, h]: one token per patch, row-major over the grid.
  at::Tensor patches = at::conv2d(x, patch_weight_, {}, {config_.patch_size, config_.patch_size});
  patches = patches.flatten(2).transpose(1, 2);
  at::Tensor cls = class_embedding_.view({1, 1, h}).expand({n, 1, h});
  at::Tensor hidden = at::cat({cls, patches}, 1) + position_embedding_;
  hidden = at::layer_norm(hidden, {h}, pre_ln_w_, pre_ln_b_, eps);
  const int64_t t = hidden.size(1);
  for (int i = 0; i < run_layers; ++i) {
    const Layer& layer = layers_[i];
    at::Tensor y = at::layer_norm(hidden, {h}, layer.ln1_w, layer.ln1_b, eps);
    at::Tensor qkv = layer.qkv(y).view({n, t, 3, heads, d}).permute({2, 0, 3, 1, 4});
    at::Tensor attn = vision_internal::UnmaskedAttention(qkv[0], qkv[1], qkv[2]);
    hidden = hidden + layer.out(attn.transpose(1, 2).reshape({n, t, h}));
    y = at::layer_norm(hidden, {h}, layer.ln2_w, layer.ln2_b, eps);
    hidden = hidden + layer.fc2(vision_internal::Activation(config_.hidden_act, layer.fc1(y)));
  }
  if (drop_cls) hidden = hidden.slice(1, 1);
  return hidden;
}

struct ClipVisionTower::Graphed {
  bool failed = false;  // the capture failed: eager from then on
  at::Tensor input, output;
  std::unique_ptr<CudaGraph> graph;
};

size_t ClipVisionTower::CapturedGraphs() const {
  std::lock_guard<std::mutex> lock(graphs_mu_);
  size_t n = 0;
  for (const auto& [key, g] : graphs_) n += g->graph != nullptr ? 1 : 0;
  return n;
}

absl::StatusOr<at::Tensor> ClipVisionTower::ForwardGraphed(const at::Tensor& x, int run_layers, bool drop_cls) const {
  if (!cuda_graphs_ || !x.is_cuda() || !CudaGraphsSupported()) return at::Tensor();
  std::lock_guard<std::mutex> lock(graphs_mu_);
  const auto key = std::make_tuple(x.size(0), run_layers, drop_cls);
  auto it = graphs_.find(key);
  if (it == graphs_.end()) {
    if (graphs_.size() >= kMaxGraphs) return at::Tensor();
    it = graphs_.emplace(key, std::make_unique<Graphed>()).first;
  }
  Graphed& g = *it->second;
  if (g.failed) return at::Tensor();
  if (g.graph == nullptr) {
    // First call of this shape: the eager forward (the libraries initialise
    // outside any capture), then the capture that later calls replay.
    XSD_ASSIGN_OR_RETURN(at::Tensor eager, TorchCall("CLIP vision tower forward", [&]() -> absl::StatusOr<at::Tensor> {
                           g.input = at::empty_like(x, at::MemoryFormat::Contiguous);
                           return ForwardEager(x, run_layers, drop_cls);
                         }));
    auto graph = CudaGraph::Capture(x.device(), nullptr, [&]() -> absl::Status {
      return TorchCall("CLIP vision tower forward (capture)", [&]() -> absl::Status {
        g.output = ForwardEager(g.input, run_layers, drop_cls);
        return absl::OkStatus();
      });
    });
    if (graph.ok()) {
      g.graph = std::move(graph).value();
    } else {
      XSD_LOG(WARNING) << "CLIP vision tower: CUDA graph capture failed, running eagerly: "
                       << graph.status().ToString();
      g.failed = true;
      g.input = g.output = at::Tensor();
    }
    return eager;
  }
  XSD_RETURN_IF_ERROR(TorchCall("CLIP vision tower graph input", [&]() -> absl::Status {
    g.input.copy_(x);
    return absl::OkStatus();
  }));
  XSD_RETURN_IF_ERROR(g.graph->Replay());
  // The graph overwrites its output at the next replay: the caller gets a copy.
  return TorchCall("CLIP vision tower graph output", [&]() -> absl::StatusOr<at::Tensor> { return g.output.clone(); });
}

absl::StatusOr<at::Tensor> ClipVisionTower::Pooled(const at::Tensor& last_hidden_state) const {
  return TorchCall("CLIP vision tower pooled output", [&]() -> absl::StatusOr<at::Tensor> {
    at::Tensor cls = last_hidden_state.select(1, 0);
    return at::layer_norm(cls, {config_.hidden_size}, post_ln_w_, post_ln_b_, config_.layer_norm_eps);
  });
}

}  // namespace xsd
