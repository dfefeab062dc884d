// EventGptDrafter: the cross-modal drafter (Drafter "eventgpt"). It has its
// own prefill (event image(s) -> CLIP-336 -> projector -> adaptor -> pooling,
// spliced at <event> into the Vicuna v1 prompt, LLM prefill) and then decodes
// greedily, producing per step its own token and its post-norm hidden state.
//
// Drafts: each step's hidden state goes through the DraftHead when one is set
// (adapter + the target's LM head), else the drafter proposes its own greedy
// token (identity adapter). Its own LLM always continues with its own greedy
// tokens, so its hidden states are those of its free generation.
//
// Sequence bookkeeping: own_ = the committed output tokens followed by the
// drafter's own continuation; proposal i since the last Observe sits at output
// position committed + i. The KV cache holds the prompt and a prefix of own_;
// Propose feeds what is missing (one forward), then one forward per further
// token; the last own token is fed by the next Propose, so prefill hiding's
// one-token Propose calls cost one forward each. Observe keeps the cache rows
// up to the longest prefix the drafter's tokens share with the committed ones
// (KvCache::Truncate, O(1)). Post-norm hidden states of every cached position
// stay in a preallocated device buffer (HiddenRows), for adapters and feature
// extraction.
//
// Ownership: shares the model (immutable), owns its cache (a pool lease) and
// its draft head, shares the tokenizer. Threading: see drafter.h. On CUDA
// its device work goes to its own stream (LaneStream), so on one GPU its
// prefill overlaps the target's (one-GPU prefill hiding); hidden rows handed
// out (HiddenRows, GeneratedStates) are complete before they are returned.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "xsd/core/drafter.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/kv/kv_cache_pool.h"
#include "xsd/models/llama_step_runner.h"
#include "xsd/vision/draft_head.h"
#include "xsd/vision/eventgpt_model.h"

namespace xsd {

class Tokenizer;

struct EventGptDrafterOptions {
  int max_seq_len = 4096;       // KV-cache positions
  std::string name = "eventgpt";  // ModelInfo::name
  // Decode steps: CUDA graphs on CUDA by default (llama_step_runner.h).
  LlamaStepMode step_mode = LlamaStepMode::kAuto;
};

class EventGptDrafter final : public Drafter, public FeatureStream {
 public:
  // `head` may be null (identity adapter). `tokenizer` may be null: Begin then
  // fails, BeginWithInputs works.
  static absl::StatusOr<std::unique_ptr<EventGptDrafter>> Create(std::shared_ptr<const EventGptModel> model,
                                                                 const EventGptDrafterOptions& options,
                                                                 std::shared_ptr<const Tokenizer> tokenizer,
                                                                 std::unique_ptr<DraftHead> head = nullptr);

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  absl::StatusOr<Draft> Speculation() override;
  FeatureStream* feature_stream() override { return this; }
  const Tokenizer* tokenizer() const override { return tokenizer_.get(); }
  // FeatureStream: decodes its own continuation as far as `count` needs.
  absl::StatusOr<at::Tensor> GeneratedStates(int count) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

  // Begin from inputs already built (tests, tools): prompt chunks around
  // <event> and event pixels [T, 3, S, S].
  absl::Status BeginWithInputs(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                               const at::Tensor& pixels);
  // Post-norm hidden states of cached positions [start, start + count) (device view).
  absl::StatusOr<at::Tensor> HiddenRows(int start, int count) const;
  // The drafter's own output sequence: committed tokens, then its continuation.
  const std::vector<TokenId>& own_tokens() const { return own_; }
  int prompt_length() const { return prompt_len_; }
  const KvCache& cache() const { return *cache_; }

 private:
  EventGptDrafter(std::shared_ptr<const EventGptModel> model, KvCachePool::Lease cache,
                  std::shared_ptr<const Tokenizer> tokenizer, std::unique_ptr<DraftHead> head, ModelInfo info);
  // Runs the LLM over rows at the cache's end, records their hidden states,
  // moves the cursor, and keeps the last row's state and own greedy token.
  absl::Status Feed(const at::Tensor& tokens, const at::Tensor& embeds, int rows);
  // Feeds own_ tokens the cache lacks; afterwards the cache holds prompt + own_.
  absl::Status CatchUp();

  std::shared_ptr<const EventGptModel> model_;
  KvCachePool::Lease cache_;
  std::unique_ptr<LlamaStepRunner> runner_;  // borrows cache_: declared after it
  std::unique_ptr<LaneStream> lane_;          // its own CUDA stream (see Threading)
  std::shared_ptr<const Tokenizer> tokenizer_;  // may be null
  std::unique_ptr<DraftHead> head_;             // null: identity
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  at::Tensor hidden_rows_;  // [max_seq_len, hidden]: row p = post-norm state at position p
  int prompt_len_ = 0;
  std::vector<TokenId> own_;       // committed output, then the drafter's continuation
  int committed_ = 0;              // own_[0, committed_) is committed
  std::vector<TokenId> proposed_;  // proposals since the last Observe
  // After the last Feed, when the cache holds prompt + own_: the last row's
  // hidden state [1, hidden] and its own greedy token (int64 [1]), on the device.
  bool caught_up_ = false;
  at::Tensor next_hidden_, next_token_;
};

}  // namespace xsd
