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
// It composes the LLaMA drafter (llama_drafter.h), as VideoLlavaVerifier
// composes LlamaVerifier: EventGPT's prompt encoder (event images, vision
// tower, splice at <event>) feeds it; the draft head, the hidden rows of
// every cached position (HiddenRows, the FeatureStream of L5F), the
// rollback to the prefix shared with the committed tokens and its own CUDA
// stream (on one GPU its prefill overlaps the target's) are the LLaMA
// drafter's, written once. Proposal i since the last Observe sits at output
// position committed + i; the last own token is fed by the next Propose, so
// prefill hiding's one-token Propose calls cost one forward each.
//
// Ownership: shares the model (immutable) and the tokenizer; owns the LLaMA
// drafter, which owns the cache (a pool lease), the encoder and the head.
// Threading: see drafter.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "xsd/core/drafter.h"
#include "xsd/models/llama_drafter.h"
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

class EventGptPromptEncoder;

class EventGptDrafter final : public Drafter {
 public:
  // `head` may be null (identity adapter). `tokenizer` may be null: Begin then
  // fails, BeginWithInputs works.
  static absl::StatusOr<std::unique_ptr<EventGptDrafter>> Create(std::shared_ptr<const EventGptModel> model,
                                                                 const EventGptDrafterOptions& options,
                                                                 std::shared_ptr<const Tokenizer> tokenizer,
                                                                 std::unique_ptr<DraftHead> head = nullptr);
  ~EventGptDrafter() override;

  const ModelInfo& info() const override { return llm_->info(); }
  DrafterCapabilities capabilities() const override { return llm_->capabilities(); }
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override { return llm_->Propose(spec); }
  absl::Status Observe(const RoundOutcome& outcome) override { return llm_->Observe(outcome); }
  absl::StatusOr<Draft> Speculation() override { return llm_->Speculation(); }
  FeatureStream* feature_stream() override { return llm_->feature_stream(); }
  const Tokenizer* tokenizer() const override { return llm_->tokenizer(); }
  const PrefillBreakdown& prefill_breakdown() const override { return llm_->prefill_breakdown(); }

  // Begin from inputs already built (tests, tools): prompt chunks around
  // <event> and event pixels [T, 3, S, S].
  absl::Status BeginWithInputs(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                               const at::Tensor& pixels);
  // Post-norm hidden states of cached positions [start, start + count) (device view).
  absl::StatusOr<at::Tensor> HiddenRows(int start, int count) const { return llm_->HiddenRows(start, count); }
  // The drafter's own output sequence: committed tokens, then its continuation.
  std::vector<TokenId> own_tokens() const { return llm_->own_tokens(); }
  int prompt_length() const { return llm_->prompt_rows(); }
  const KvCache& cache() const { return llm_->cache(); }

 private:
  EventGptDrafter(std::unique_ptr<LlamaDrafter> llm, EventGptPromptEncoder* encoder);

  std::unique_ptr<LlamaDrafter> llm_;  // decoding, drafting, rollback, hidden rows
  EventGptPromptEncoder* encoder_;     // owned by llm_
};

}  // namespace xsd
