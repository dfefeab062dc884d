#include "xsd/models/llama_drafter.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/core/sampling.h"

namespace xsd {

LlamaDrafter::LlamaDrafter(std::shared_ptr<const LlamaModel> model, LlamaSequence seq,
                           std::unique_ptr<LlamaPromptEncoder> encoder)
    : model_(std::move(model)),
      seq_(std::move(seq)),
      encoder_(std::move(encoder)) {}

absl::StatusOr<std::unique_ptr<LlamaDrafter>> LlamaDrafter::Create(std::shared_ptr<const LlamaModel> model,
                                                                   const LlamaSequenceOptions& options,
                                                                   std::shared_ptr<const Tokenizer> tokenizer) {
  return CreateWithPromptEncoder(std::move(model), options,
                                 MakeTextPromptEncoder(std::move(tokenizer), options.name + " drafter"));
}

absl::StatusOr<std::unique_ptr<LlamaDrafter>> LlamaDrafter::CreateWithPromptEncoder(
    std::shared_ptr<const LlamaModel> model, const LlamaSequenceOptions& options,
    std::unique_ptr<LlamaPromptEncoder> encoder) {
  XSD_ASSIGN_OR_RETURN(LlamaSequence seq, PrepareLlamaSequence(model.get(), options, encoder.get(), "llama drafter"));
  return std::unique_ptr<LlamaDrafter>(new LlamaDrafter(std::move(model), std::move(seq), std::move(encoder)));
}

DrafterCapabilities LlamaDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.own_prefill = true;
  caps.own_vocabulary = true;
  caps.samples = true;
  return caps;
}

absl::Status LlamaDrafter::Begin(const DraftContext& context) {
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (context.request == nullptr) return absl::InvalidArgumentError(who + ": no request");
  XSD_RETURN_IF_ERROR(ValidateSamplingParams(context.sampling));
  sampling_ = context.sampling;
  rng_.Seed(context.seed);
  XSD_ASSIGN_OR_RETURN(LlamaPrompt prompt, encoder_->Encode(*context.request, *model_));
  const TimePoint start = Now();
  const int n = prompt.rows();
  if (n < 1) return absl::InvalidArgumentError(who + ": empty prompt");
  if (n > seq_.cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat(who, ": prompt of ", n, " rows exceeds max_seq_len ",
                                              seq_.cache->capacity()));
  }
  for (TokenId t : prompt.tokens) {
    if (t < 0 || t >= seq_.info.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": prompt token ", t, " is outside the vocabulary"));
    }
  }
  seq_.cache->Clear();
  next_logits_ = at::Tensor();
  if (prompt.embeds.defined()) {
    // Rows given as embeddings: prefilled here once; never rolled back, since
    // every committed sequence starts with them.
    sequence_.assign(n, kNoToken);
    LlamaInput input;
    input.embeds = prompt.embeds;
    XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(0, n, model_->device()));
    input.logits = LogitsRows::kLast;
    XSD_ASSIGN_OR_RETURN(LlamaOutput out, model_->Forward(input, seq_.cache.get()));
    XSD_RETURN_IF_ERROR(seq_.cache->Advance(n));
    next_logits_ = out.logits;
  } else {
    sequence_ = std::move(prompt.tokens);
    XSD_RETURN_IF_ERROR(CatchUp().status());
  }
  committed_size_ = n;
  breakdown_ = PrefillBreakdown();
  breakdown_.media_ms = prompt.media_ms;
  breakdown_.vision_ms = prompt.vision_ms;
  breakdown_.prompt_tokens = n;
  breakdown_.llm_ms = MillisBetween(start, Now());
  return absl::OkStatus();
}

absl::StatusOr<at::Tensor> LlamaDrafter::CatchUp() {
  const int total = static_cast<int>(sequence_.size());
  if (seq_.cache->length() == total && next_logits_.defined()) return next_logits_;
  if (seq_.cache->length() == total) {
    // Everything is cached but the logits after it were not kept: feed the last token again.
    if (sequence_.back() == kNoToken) {
      return absl::InternalError(
          absl::StrCat(seq_.info.name, " drafter: cannot re-feed a prompt row given as embeddings"));
    }
    XSD_RETURN_IF_ERROR(seq_.cache->Truncate(total - 1));
  }
  const int cached = seq_.cache->length();
  const int n = total - cached;
  LlamaStepInput step;
  step.tokens.assign(sequence_.begin() + cached, sequence_.end());
  for (int i = 0; i < n; ++i) step.positions.push_back(cached + i);
  XSD_ASSIGN_OR_RETURN(LlamaOutput out,
                       RunLlamaStep(*model_, seq_.cache.get(), seq_.runner.get(), step, LogitsRows::kLast));
  XSD_RETURN_IF_ERROR(seq_.cache->Advance(n));
  next_logits_ = out.logits;
  if (seq_.runner != nullptr) {
    // A step runner's logits live in its buffers until its next step: keep a copy.
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: keeping logits", [&]() -> absl::Status {
      next_logits_ = next_logits_.clone();
      return absl::OkStatus();
    }));
  }
  return next_logits_;
}

absl::StatusOr<Draft> LlamaDrafter::Propose(const DraftSpec& spec) {
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (spec.tree.has_value()) return absl::InvalidArgumentError(who + ": drafts chains only (no tree support)");
  if (sequence_.empty()) return absl::FailedPreconditionError(who + ": Propose before Begin");
  // Drafting a token needs the logits after the whole sequence, so the cache
  // must hold all of it: at most capacity - size + 1 more tokens.
  const int room = seq_.cache->capacity() - static_cast<int>(sequence_.size()) + 1;
  const int count = std::max(0, std::min(spec.max_tokens, room));
  if (count == 0) return Draft();
  return sampling_.greedy() ? ProposeGreedy(count) : ProposeSampled(count);
}

absl::StatusOr<Draft> LlamaDrafter::ProposeGreedy(int count) {
  XSD_ASSIGN_OR_RETURN(at::Tensor logits, CatchUp());
  const int start = static_cast<int>(sequence_.size());
  std::vector<at::Tensor> drafted;  // [1] int64 each, on the device
  for (int j = 0; j < count; ++j) {
    at::Tensor token;
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: argmax", [&]() -> absl::Status {
      token = logits.argmax(-1);  // the first maximal index: the shared tie-break
      return absl::OkStatus();
    }));
    drafted.push_back(token);
    if (j + 1 == count) break;
    // Feed the token straight back without reading it on the host.
    LlamaStepInput step;
    step.device_tokens = token;
    step.positions = {start + j};
    XSD_ASSIGN_OR_RETURN(LlamaOutput out,
                       RunLlamaStep(*model_, seq_.cache.get(), seq_.runner.get(), step, LogitsRows::kLast));
    XSD_RETURN_IF_ERROR(seq_.cache->Advance(1));
    logits = out.logits;
  }
  next_logits_ = at::Tensor();  // the last drafted token is not in the cache
  std::vector<TokenId> tokens;
  XSD_RETURN_IF_ERROR(TorchCall("llama drafter: reading the chain", [&]() -> absl::Status {
    const at::Tensor host = at::cat(drafted).to(at::kCPU, at::kInt).contiguous();
    tokens.assign(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + host.numel());
    return absl::OkStatus();
  }));
  // The cache rows already hold the fed tokens; the sequence catches up here.
  sequence_.insert(sequence_.end(), tokens.begin(), tokens.end());
  return Draft::Chain(std::move(tokens));
}

absl::StatusOr<Draft> LlamaDrafter::ProposeSampled(int count) {
  XSD_ASSIGN_OR_RETURN(at::Tensor logits, CatchUp());
  Draft draft;
  std::vector<float> host_logits, probs;
  for (int j = 0; j < count; ++j) {
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: reading logits", [&]() -> absl::Status {
      const at::Tensor host = logits.reshape({-1}).to(at::kCPU, at::kFloat).contiguous();
      host_logits.assign(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
      return absl::OkStatus();
    }));
    LogitsToProbs(host_logits, sampling_, &probs);
    const TokenId token = SampleFrom(probs, &rng_);
    draft.Add(token, draft.size() - 1, probs);
    sequence_.push_back(token);
    next_logits_ = at::Tensor();
    if (j + 1 == count) break;
    XSD_ASSIGN_OR_RETURN(logits, CatchUp());
  }
  return draft;
}

absl::Status LlamaDrafter::Observe(const RoundOutcome& outcome) {
  if (sequence_.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(seq_.info.name, " drafter: Observe before Begin"));
  }
  std::vector<TokenId> next(sequence_.begin(), sequence_.begin() + committed_size_);
  next.insert(next.end(), outcome.committed.begin(), outcome.committed.end());
  // The cache holds rows of the old sequence; keep the prefix it shares with the new one.
  const int cached = seq_.cache->length();
  int common = 0;
  while (common < cached && common < static_cast<int>(next.size()) && sequence_[common] == next[common]) ++common;
  if (common < cached || static_cast<int>(next.size()) != static_cast<int>(sequence_.size())) {
    next_logits_ = at::Tensor();
  }
  XSD_RETURN_IF_ERROR(seq_.cache->Truncate(common));
  sequence_ = std::move(next);
  committed_size_ = static_cast<int>(sequence_.size());
  return absl::OkStatus();
}

const Tokenizer* LlamaDrafter::tokenizer() const { return encoder_->tokenizer(); }

}  // namespace xsd
