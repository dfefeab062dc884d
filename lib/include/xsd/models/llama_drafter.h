// LlamaDrafter: a LLaMA / Vicuna drafter (Drafter "llama") with its own
// prefill and KV cache, proposing greedy or sampled chains; the language
// model of composed drafters too (EventGPT: a prompt encoder for its event
// images, a draft head over its hidden states, its own CUDA stream).
//
// Begin prefills what its LlamaPromptEncoder makes of the request (text by
// default; a multimodal model passes its own, see llama_prompt.h; rows given
// as embeddings are prefilled in Begin and never rolled back). The drafter
// keeps its sequence = prompt + committed output + its own continuation; the
// cache holds a prefix of it. Propose first feeds the tokens not yet in the
// cache (one forward), then one forward per drafted token; the last drafted
// token is fed by the next Propose. Greedy chains keep each token on the
// device and feed it straight back, so the chain is read back once at the
// end; sampled chains copy each row of logits to the host and sample with
// the shared sampling code (draft probabilities go into Draft::probs).
// Observe rolls the cache back to the longest prefix it shares with the
// committed sequence (KvCache::Truncate, O(1)).
//
// With a DraftHead (LlamaDrafterExtras::head) the proposals are the head's
// tokens for each step's post-norm hidden state while the continuation stays
// the model's own greedy tokens (greedy only); with hidden rows kept, the
// post-norm state of every cached position stays in a preallocated device
// buffer (HiddenRows, and the FeatureStream of fused heads).
//
// Ownership: shares the model (immutable), owns its KV cache (a pool
// lease), its prompt encoder and its head. Threading: see drafter.h; with
// its own stream, its device work goes there (LaneStream), so on one GPU its
// prefill overlaps the target's, and hidden rows handed out are complete
// before they are returned.
#pragma once

#include <memory>
#include <vector>

#include "xsd/base/rng.h"
#include "xsd/core/draft_head.h"
#include "xsd/core/drafter.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/kv/kv_cache_pool.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/llama_verifier.h"

namespace xsd {

// What a composed drafter adds to the LLaMA drafter.
struct LlamaDrafterExtras {
  // Proposals from each step's hidden state (greedy requests only); null:
  // the model's own tokens. Needs hidden_rows.
  std::unique_ptr<DraftHead> head;
  // Keep every cached position's post-norm hidden state: HiddenRows and the
  // FeatureStream (feature_stream() is null without them).
  bool hidden_rows = false;
  // Device work on the drafter's own CUDA stream (no effect on the CPU).
  bool own_stream = false;
};

class LlamaDrafter final : public Drafter, public FeatureStream {
 public:
  static absl::StatusOr<std::unique_ptr<LlamaDrafter>> Create(std::shared_ptr<const LlamaModel> model,
                                                              const LlamaSequenceOptions& options,
                                                              std::shared_ptr<const Tokenizer> tokenizer = nullptr);
  static absl::StatusOr<std::unique_ptr<LlamaDrafter>> CreateWithPromptEncoder(
      std::shared_ptr<const LlamaModel> model, const LlamaSequenceOptions& options,
      std::unique_ptr<LlamaPromptEncoder> encoder, LlamaDrafterExtras extras = {});
  ~LlamaDrafter() override;

  const ModelInfo& info() const override { return seq_.info; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  // The head's tokens for the hidden states of the proposals since the last
  // Observe, all mapped at once (sequence heads: DraftHead::revises()).
  absl::StatusOr<Draft> Speculation() override;
  FeatureStream* feature_stream() override { return hidden_rows_.defined() ? this : nullptr; }
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }
  const Tokenizer* tokenizer() const override;
  // FeatureStream: decodes its own continuation as far as `count` needs.
  absl::StatusOr<at::Tensor> GeneratedStates(int count) override;
  // Rows from the last prompt position to the end of the cache.
  int max_generated_states() const override { return seq_.cache->capacity() - prompt_rows_ + 1; }

  // Post-norm hidden states of cached positions [start, start + count) (a
  // device view; FailedPrecondition without hidden rows).
  absl::StatusOr<at::Tensor> HiddenRows(int start, int count) const;
  // Rows the prompt took in the cache.
  int prompt_rows() const { return prompt_rows_; }
  // The output as the drafter sees it: committed tokens, then its own continuation.
  std::vector<TokenId> own_tokens() const { return {sequence_.begin() + prompt_rows_, sequence_.end()}; }
  const KvCache& cache() const { return *seq_.cache; }

 private:
  LlamaDrafter(std::shared_ptr<const LlamaModel> model, LlamaSequence seq, std::unique_ptr<LlamaPromptEncoder> encoder,
               LlamaDrafterExtras extras);
  // One forward over rows at the cache's end (prompt embeddings, or tokens
  // through the step runner); moves the cursor and keeps the rows' hidden
  // states. Returns the last row's logits [1, vocab] (in the step runner's
  // buffers until its next step) and post-norm state [1, hidden] (undefined
  // without hidden rows).
  struct Fed {
    at::Tensor logits, hidden;
  };
  absl::StatusOr<Fed> Feed(const LlamaStepInput& step, const at::Tensor& embeds);
  // Feeds sequence_[cache length ..): afterwards next_logits_ and
  // next_hidden_ hold the last row's.
  absl::Status CatchUp();
  absl::StatusOr<Draft> ProposeGreedy(int count);
  absl::StatusOr<Draft> ProposeSampled(int count);

  std::shared_ptr<const LlamaModel> model_;
  LlamaSequence seq_;  // the cache lease, the step runner that borrows it, the ModelInfo
  std::unique_ptr<LlamaPromptEncoder> encoder_;
  std::unique_ptr<DraftHead> head_;  // null: its own tokens are the proposals
  std::unique_ptr<LaneStream> lane_;  // null: the caller's stream
  at::Tensor hidden_rows_;  // [max_seq_len, hidden]: row p = post-norm state at position p; or undefined
  PrefillBreakdown breakdown_;
  SamplingParams sampling_;
  Rng rng_;
  // prompt + committed output + its own continuation; prompt rows given as
  // embeddings hold kNoToken (they are cached once and never re-fed).
  std::vector<TokenId> sequence_;
  int prompt_rows_ = 0;
  int committed_size_ = 0;  // prompt + committed output
  std::vector<TokenId> proposed_;  // proposals since the last Observe (Speculation)
  // The logits [1, vocab] and post-norm state [1, hidden] after the whole
  // cached sequence when the cache holds all of sequence_; undefined
  // otherwise (a forward saved after prefill and between Propose calls).
  at::Tensor next_logits_, next_hidden_;
};

}  // namespace xsd
