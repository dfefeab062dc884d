// ClipVisionTower: the CLIP ViT image encoder shared by Video-LLaVA (224 px,
// hidden_states[-2], class token kept for video) and EventGPT (336 px,
// last_hidden_state, class token kept).
//
// Math (Hugging Face CLIPVisionTransformer): patch embedding (a stride-p
// convolution without bias), class embedding, learned position embeddings,
// pre_layrnorm; L pre-LN encoder layers (LayerNorm, multi-head attention with
// biases, residual; LayerNorm, fc1, activation, fc2, residual). hidden_states[0]
// is the pre-LN output, hidden_states[i] the output of layer i. post_layernorm
// applies only to the pooled class token (Pooled()).
//
// Weight names, relative to the scope given to Load (both layouts of
// FACTS.md §4b): "vision_model.embeddings.patch_embedding.weight" (published
// hub checkpoints) or "embeddings.patch_embedding.weight" (transformers 5
// saves); Load detects which one is present. A stale "position_ids" buffer is
// accepted and ignored.
//
// Performance: q/k/v are fused into one [3h, h] matmul at load time; Forward
// is batched over images/frames with fixed shapes and never syncs with the
// host; only the layers needed for the selected hidden state are run. On
// CUDA the forward of a given (images, selection) is captured into a CUDA
// graph after its first (eager) call and replayed from then on (eager, the ~300 ATen
// launches of a 24-layer tower cost more host time than the GPU needs:
// docs/PERFORMANCE.md run 9); the result is the same bits. Load's
// `cuda_graphs` false (the pipeline config's vision_cuda_graphs) keeps it
// eager. Up to kMaxGraphs shapes are kept; others run eagerly.
//
// Ownership and threading: owns its (immutable) weights and its graphs.
// Forward is const and may be called from several threads, on one device
// stream at a time (calls serialise on the graphs' lock).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {

// Which hidden state Forward returns.
struct ClipFeatureSelect {
  // Index into hidden_states (0 = embeddings after pre_layrnorm, L = output of
  // the last layer); negative values count from the end: -1 = last_hidden_state,
  // -2 = the second-to-last layer's output (Video-LLaVA).
  int layer = -1;
  bool drop_cls = false;  // drop the class token (Video-LLaVA images: "default" strategy)
};

class ClipVisionTower {
 public:
  static absl::StatusOr<std::unique_ptr<ClipVisionTower>> Load(const ClipVisionConfig& config,
                                                                const ScopedWeights& weights,
                                                                bool cuda_graphs = true);
  ~ClipVisionTower();

  const ClipVisionConfig& config() const { return config_; }
  // Tokens per image for a selection: num_positions, minus one when dropping CLS.
  int TokensPerImage(const ClipFeatureSelect& select) const;

  // pixels [N, C, S, S] (any float dtype and device; converted to the weights')
  // -> [N, tokens, hidden] on the weights' device and dtype.
  absl::StatusOr<at::Tensor> Forward(const at::Tensor& pixels, const ClipFeatureSelect& select) const;
  // CUDA graphs captured so far (one per shape and selection; diagnostics).
  size_t CapturedGraphs() const;
  // post_layernorm(last_hidden_state[:, 0]) -> [N, hidden] (CLIPVisionModel's pooler_output).
  absl::StatusOr<at::Tensor> Pooled(const at::Tensor& last_hidden_state) const;

 private:
  struct Layer;
  struct Graphed;  // a captured forward of one (images, layers, drop_cls)
  static constexpr size_t kMaxGraphs = 4;

  explicit ClipVisionTower(const ClipVisionConfig& config);
  absl::StatusOr<int> ResolveLayer(int layer) const;
  // x on the weights' device and dtype; no checks.
  at::Tensor ForwardEager(const at::Tensor& x, int run_layers, bool drop_cls) const;
  // Through the CUDA graph of x's shape; an undefined tensor where graphs do
  // not apply (the caller runs ForwardEager).
  absl::StatusOr<at::Tensor> ForwardGraphed(const at::Tensor& x, int run_layers, bool drop_cls) const;

  ClipVisionConfig config_;
  bool cuda_graphs_ = true;
  at::Tensor patch_weight_;       // [h, C, p, p]
  at::Tensor class_embedding_;    // [h]
  at::Tensor position_embedding_; // [positions, h]
  at::Tensor pre_ln_w_, pre_ln_b_, post_ln_w_, post_ln_b_;
  std::vector<Layer> layers_;

  mutable std::mutex graphs_mu_;
  mutable std::map<std::tuple<int64_t, int, bool>, std::unique_ptr<Graphed>> graphs_;  // guarded by graphs_mu_
};

}  // namespace xsd
