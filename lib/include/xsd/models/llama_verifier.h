// LlamaVerifier: a text-only LLaMA / Vicuna target (Verifier "llama").
//
// Prefill feeds what its LlamaPromptEncoder makes of the request: by default
// Request::prompt_tokens verbatim, or the question encoded with BOS by the
// tokenizer when one was given; a multimodal model passes its own encoder
// (llama_prompt.h) and gets this Verify / Commit. Verify runs one forward over
// [pending, draft nodes] with positions base + depth and the tree mask (a
// chain uses the causal mask); the argmax of every row is computed on the
// device and read back in one copy (torch.argmax picks the lowest index among
// maxima: the shared tie-break of sampling.h); full logits rows are copied to
// the host only when OutputRequest::logits asks. Commit keeps the pending row
// and the accepted path with KvCache::KeepRows.
//
// Its TargetFeatures (features()): the model's LM head and embedding table,
// and the post-final-norm hidden states and input embeddings of the rows the
// last Prefill or Commit committed, on the model's device.
//
// Ownership: shares the model (immutable; may also serve a drafter), owns
// its KV cache (a lease from the device's KvCachePool) and its prompt
// encoder. Threading: see verifier.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "xsd/core/verifier.h"
#include "xsd/kv/kv_cache_pool.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/models/llama_step_runner.h"

namespace xsd {

class Tokenizer;

// Per-sequence settings shared by the LLaMA verifier and drafter.
struct LlamaSequenceOptions {
  int max_seq_len = 2048;       // KV-cache positions (<= the model's max_positions)
  std::string name = "llama";   // ModelInfo::name
  // Decode / verify steps: CUDA graphs on CUDA by default (llama_step_runner.h).
  LlamaStepMode step_mode = LlamaStepMode::kAuto;
};

// What the LLaMA verifier and drafter both need for one sequence: the options
// checked against the model, a KV-cache lease from the device's pool, and
// the ModelInfo. `who` prefixes errors ("llama drafter").
struct LlamaSequence {
  KvCachePool::Lease cache;
  ModelInfo info;
  std::unique_ptr<LlamaStepRunner> runner;  // null: plain forwards
};
absl::StatusOr<LlamaSequence> PrepareLlamaSequence(const LlamaModel* model, const LlamaSequenceOptions& options,
                                                   const LlamaPromptEncoder* encoder, const std::string& who);

class LlamaVerifier final : public Verifier, public TargetFeatures {
 public:
  // `tokenizer` may be null: requests must then carry prompt_tokens.
  static absl::StatusOr<std::unique_ptr<LlamaVerifier>> Create(std::shared_ptr<const LlamaModel> model,
                                                               const LlamaSequenceOptions& options,
                                                               std::shared_ptr<const Tokenizer> tokenizer = nullptr);
  // With a prompt encoder of the caller's (multimodal prompts).
  static absl::StatusOr<std::unique_ptr<LlamaVerifier>> CreateWithPromptEncoder(std::shared_ptr<const LlamaModel> model,
                                                                                const LlamaSequenceOptions& options,
                                                                                std::unique_ptr<LlamaPromptEncoder> encoder);

  const ModelInfo& info() const override { return seq_.info; }
  absl::StatusOr<TargetOutput> Prefill(const Request& request, const OutputRequest& out) override;
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& draft, const OutputRequest& out) override;
  absl::Status Commit(absl::Span<const int32_t> kept_nodes) override;
  int cache_length() const override { return seq_.cache->length(); }
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }
  const Tokenizer* tokenizer() const override;
  const TargetFeatures* features() const override { return this; }

  // TargetFeatures
  const at::Tensor* lm_head() const override { return &model_->lm_head_weight(); }
  const at::Tensor* embedding_table() const override { return &model_->embed_weight(); }
  const at::Tensor* committed_hidden() const override;
  const at::Tensor* committed_input_embeds() const override;

  const LlamaModel& model() const { return *model_; }
  const KvCache& cache() const { return *seq_.cache; }
  // Zero counts where the steps are plain forwards (LlamaStepMode::kEager, or
  // kAuto off CUDA).
  LlamaStepCounts step_counts() const { return CountSteps(seq_.runner.get()); }

 private:
  LlamaVerifier(std::shared_ptr<const LlamaModel> model, LlamaSequence seq, std::unique_ptr<LlamaPromptEncoder> encoder);
  absl::StatusOr<TargetOutput> MakeOutput(const at::Tensor& logits, const OutputRequest& out) const;

  std::shared_ptr<const LlamaModel> model_;
  LlamaSequence seq_;  // the cache lease, the step runner that borrows it, the ModelInfo
  std::unique_ptr<LlamaPromptEncoder> encoder_;
  PrefillBreakdown breakdown_;
  // The last Verify's rows, until Commit.
  int pending_rows_ = 0;
  std::vector<int32_t> last_parents_;
  at::Tensor verify_hidden_, verify_embeds_;
  // Rows committed by the last Prefill / Commit.
  at::Tensor committed_hidden_, committed_embeds_;
};

}  // namespace xsd
