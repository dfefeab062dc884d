// LlamaDrafter: a text-only LLaMA / Vicuna drafter (Drafter "llama") with its
// own prefill and KV cache, proposing greedy or sampled chains.
//
// Begin prefills what its LlamaPromptEncoder makes of the request (text by
// default; a multimodal model passes its own, see llama_prompt.h; rows given
// as embeddings are never rolled back). The drafter keeps its
// sequence = prompt + committed output + speculation;
// the cache holds a prefix of it. Propose first feeds the tokens not yet in
// the cache (one forward), then one forward per drafted token. Greedy chains
// keep each drafted token on the device and feed it straight back, so the
// chain is read back once at the end; sampled chains copy each row of logits
// to the host and sample with the shared sampling code (draft probabilities
// go into Draft::probs). Observe rolls the cache back to the longest prefix
// it shares with the committed sequence (KvCache::Truncate, O(1)).
//
// Ownership: shares the model (immutable), owns its KV cache (a pool lease)
// and its prompt encoder. Threading: see drafter.h.
#pragma once

#include <memory>
#include <vector>

#include "xsd/base/rng.h"
#include "xsd/core/drafter.h"
#include "xsd/kv/kv_cache_pool.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/llama_verifier.h"

namespace xsd {

class LlamaDrafter final : public Drafter {
 public:
  static absl::StatusOr<std::unique_ptr<LlamaDrafter>> Create(std::shared_ptr<const LlamaModel> model,
                                                              const LlamaSequenceOptions& options,
                                                              std::shared_ptr<const Tokenizer> tokenizer = nullptr);
  static absl::StatusOr<std::unique_ptr<LlamaDrafter>> CreateWithPromptEncoder(std::shared_ptr<const LlamaModel> model,
                                                                               const LlamaSequenceOptions& options,
                                                                               std::unique_ptr<LlamaPromptEncoder> encoder);

  const ModelInfo& info() const override { return seq_.info; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }
  const Tokenizer* tokenizer() const override;

  const KvCache& cache() const { return *seq_.cache; }

 private:
  LlamaDrafter(std::shared_ptr<const LlamaModel> model, LlamaSequence seq, std::unique_ptr<LlamaPromptEncoder> encoder);
  // Feeds sequence_[cache length ..) and returns the last row's logits [1, vocab].
  absl::StatusOr<at::Tensor> CatchUp();
  absl::StatusOr<Draft> ProposeGreedy(int count);
  absl::StatusOr<Draft> ProposeSampled(int count);

  std::shared_ptr<const LlamaModel> model_;
  LlamaSequence seq_;  // the cache lease, the step runner that borrows it, the ModelInfo
  std::unique_ptr<LlamaPromptEncoder> encoder_;
  PrefillBreakdown breakdown_;
  SamplingParams sampling_;
  Rng rng_;
  // prompt + committed output + speculation; prompt rows given as
  // embeddings hold kNoToken (they are cached once and never re-fed).
  std::vector<TokenId> sequence_;
  int committed_size_ = 0;         // prompt + committed output
  // Logits [1, vocab] after the whole cached sequence when the cache holds all
  // of sequence_ (saves a forward after prefill); undefined otherwise.
  at::Tensor next_logits_;
};

}  // namespace xsd
