// LlamaModel: a LLaMA / Vicuna decoder (embed_tokens, decoder layers, final
// RMSNorm, LM head tied or untied), the building block that the text-only
// verifier and drafter, Video-LLaVA, EventGPT and EAGLE compose.
//
// Forward over T new rows:
//   - input: token ids [T] or input embeddings [T, hidden] (multimodal prompts
//     splice visual embeddings into the text embeddings, see Embed), plus the
//     position id of every row and, for trees, a mask among the new rows;
//   - writes the rows' keys and values into `cache` at [cache.length(),
//     cache.length() + T) WITHOUT moving the cursor: the caller commits
//     (KvCache::Advance, or KeepRows for an accepted tree path);
//   - returns the post-final-norm hidden states [T, hidden] and, as asked,
//     the logits of every row, of the last row, or of none.
// No host synchronisation happens inside Forward: inputs are device tensors,
// outputs stay on the device.
//
// Weights are immutable after Load (q/k/v and gate/up are fused there), so
// one model can serve several sequences (each with its own KvCache) and be
// shared between a verifier and a drafter.
//
// Performance design (the H200 bf16 targets: ~3.5 ms per 7B decode step,
// verify of <= 16 rows ~1.1x a step): one fused q/k/v and one fused gate/up
// matmul per layer; rotary rows gathered from tables built at load; decode
// (T = 1) needs no mask and prefill (L = 0, no GQA) uses the kernel's causal
// mode, so only verify builds a small [G*T, L+T] bias once per forward; no
// .item() or host copy anywhere inside Forward. Attention over [0, L+T)
// changes shape every step, so CUDA-graph capture uses the static mode of
// LlamaInput (write rows and bias given, span S fixed per bucket), driven by
// LlamaStepRunner (llama_step_runner.h).
//
// Ownership: owns its weights. Thread-safe for concurrent Forward calls on
// different caches.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/kernel_options.h"
#include "xsd/models/llama_config.h"
#include "xsd/models/llama_decoder_layer.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/rope.h"
#include "xsd/models/weight_source.h"

namespace xsd {

// Where the model's tensors are named in the checkpoint, before the source's
// aliases apply. LlamaForCausalLM: the defaults. Video-LLaVA (hub layout):
// {"language_model.model.", "language_model.lm_head.weight"}.
struct LlamaWeightNames {
  std::string decoder_prefix = "model.";  // embed_tokens, layers.N.*, norm
  std::string lm_head = "lm_head.weight";
};

struct LlamaModelOptions {
  LlamaWeightNames names;
  // Rotary table rows: the largest position + 1 any forward may use.
  // 0: config.max_position_embeddings.
  int max_positions = 0;
  // Numerics and kernel seams of every forward (xsd/models/kernel_options.h).
  KernelOptions kernel_options;
};

enum class LogitsRows { kNone, kLast, kAll };

struct LlamaInput {
  at::Tensor tokens;     // int64 [T] on the model's device; or undefined when
  at::Tensor embeds;     // [T, hidden] in the model's dtype is given instead
  at::Tensor positions;  // int64 [T] on the model's device
  at::Tensor tree_mask;  // bool [T, T] (row i may see row j); undefined: causal
  LogitsRows logits = LogitsRows::kAll;
  // Static mode (CUDA-graph capture, see LlamaStepRunner): every shape and
  // address depends on (T, S) only and no host-side cache cursor is read.
  // The rows' keys and values go to cache rows `write_rows` (int64 [T], on
  // the device) and the rows attend over cache rows [0, S) with the additive
  // `attention_bias` [G*T, S] (0 or -inf, the model's dtype), which must
  // mask every row not yet written. tree_mask is ignored then.
  at::Tensor write_rows;
  at::Tensor attention_bias;
};

struct LlamaOutput {
  at::Tensor hidden;        // [T, hidden], after the final norm
  at::Tensor logits;        // [T or 1, vocab] in the model's dtype; undefined for kNone
  at::Tensor input_embeds;  // [T, hidden]: the embeddings the layers consumed
};

class LlamaModel {
 public:
  // Takes every tensor from `weights` (device and dtype are the source's).
  // Does not check for unexpected tensors: the composer does that once for
  // the whole checkpoint (weights_loading.h).
  static absl::StatusOr<std::unique_ptr<LlamaModel>> Load(const LlamaConfig& config, WeightSource* weights,
                                                          const LlamaModelOptions& options = {});

  const LlamaConfig& config() const { return config_; }
  c10::Device device() const { return device_; }
  c10::ScalarType dtype() const { return dtype_; }
  int max_positions() const { return rope_.max_positions(); }
  const KernelOptions& kernel_options() const { return kernel_options_; }
  // A cache spec matching this model, `max_len` positions long.
  KvCacheSpec CacheSpec(int max_len) const;

  // Token ids [T] (int64, on the device) -> embeddings [T, hidden].
  absl::StatusOr<at::Tensor> Embed(const at::Tensor& tokens) const;
  // Hidden states [T, hidden] (post final norm) -> logits [T, vocab].
  absl::StatusOr<at::Tensor> LmHead(const at::Tensor& hidden) const;
  // See the file comment. `cache` is not owned; it must match CacheSpec and
  // have room for T more rows.
  absl::StatusOr<LlamaOutput> Forward(const LlamaInput& input, KvCache* cache) const;

  // Weights shared with composers (EAGLE reuses the target's embeddings and
  // LM head).
  const at::Tensor& embed_weight() const { return embed_; }    // [vocab, hidden]
  const at::Tensor& lm_head_weight() const { return lm_head_; }  // [vocab, hidden]
  const RotaryEmbedding& rope() const { return rope_; }

 private:
  LlamaModel() = default;

  LlamaConfig config_;
  c10::Device device_ = c10::Device(c10::DeviceType::CPU);
  c10::ScalarType dtype_ = c10::ScalarType::Float;
  KernelOptions kernel_options_;
  at::Tensor embed_;
  std::vector<LlamaDecoderLayer> layers_;
  RmsNorm final_norm_;
  at::Tensor lm_head_;  // the embedding tensor itself when tied
  RotaryEmbedding rope_;
};

// The rotary table and KV-cache specs of a LLaMA-layer stack with `config`
// (the decoder itself, or EAGLE's one-layer head), written once.
RotaryEmbeddingSpec LlamaRopeSpec(const LlamaConfig& config, int max_positions, c10::ScalarType dtype,
                                  c10::Device device);
KvCacheSpec LlamaCacheSpec(const LlamaConfig& config, int max_len, c10::ScalarType dtype, c10::Device device);

// Host helpers for building inputs: int64 tensors on `device`.
absl::StatusOr<at::Tensor> TokensTensor(const std::vector<int32_t>& tokens, const c10::Device& device);
absl::StatusOr<at::Tensor> PositionsTensor(const std::vector<int64_t>& positions, const c10::Device& device);
// Positions start, start + 1, ..., start + count - 1.
absl::StatusOr<at::Tensor> PositionRange(int64_t start, int64_t count, const c10::Device& device);

}  // namespace xsd
