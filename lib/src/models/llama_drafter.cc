#include "xsd/models/llama_drafter.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/core/sampling.h"

namespace xsd {

LlamaDrafter::LlamaDrafter(std::shared_ptr<const LlamaModel> model, LlamaSequence seq,
                           std::unique_ptr<LlamaPromptEncoder> encoder, LlamaDrafterExtras extras)
    : model_(std::move(model)), seq_(std::move(seq)), encoder_(std::move(encoder)), head_(std::move(extras.head)) {}

LlamaDrafter::~LlamaDrafter() = default;

absl::StatusOr<std::unique_ptr<LlamaDrafter>> LlamaDrafter::Create(std::shared_ptr<const LlamaModel> model,
                                                                   const LlamaSequenceOptions& options,
                                                                   std::shared_ptr<const Tokenizer> tokenizer) {
  return CreateWithPromptEncoder(std::move(model), options,
                                 MakeTextPromptEncoder(std::move(tokenizer), options.name + " drafter"));
}

absl::StatusOr<std::unique_ptr<LlamaDrafter>> LlamaDrafter::CreateWithPromptEncoder(
    std::shared_ptr<const LlamaModel> model, const LlamaSequenceOptions& options,
    std::unique_ptr<LlamaPromptEncoder> encoder, LlamaDrafterExtras extras) {
  const std::string who = options.name + " drafter";
  if (extras.head != nullptr && !extras.hidden_rows) {
    return absl::InvalidArgumentError(who + ": a draft head reads the hidden rows: keep them (hidden_rows)");
  }
  XSD_ASSIGN_OR_RETURN(LlamaSequence seq, PrepareLlamaSequence(model.get(), options, encoder.get(), who));
  const bool hidden_rows = extras.hidden_rows, own_stream = extras.own_stream;
  std::unique_ptr<LlamaDrafter> drafter(
      new LlamaDrafter(std::move(model), std::move(seq), std::move(encoder), std::move(extras)));
  const LlamaModel& llm = *drafter->model_;
  if (own_stream) drafter->lane_ = std::make_unique<LaneStream>(llm.device());
  if (hidden_rows) {
    XSD_RETURN_IF_ERROR(TorchCall(who + ": hidden-state buffer", [&]() -> absl::Status {
      drafter->hidden_rows_ = at::zeros({options.max_seq_len, llm.config().hidden_size},
                                        at::TensorOptions().dtype(llm.dtype()).device(llm.device()));
      return absl::OkStatus();
    }));
  }
  return drafter;
}

DrafterCapabilities LlamaDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.own_prefill = true;
  caps.own_vocabulary = head_ == nullptr;  // its own tokens are the drafts
  caps.samples = head_ == nullptr;
  caps.revises_speculation = head_ != nullptr && head_->revises();
  return caps;
}

absl::Status LlamaDrafter::Begin(const DraftContext& context) {
  const LaneStream::Scope lane(lane_.get());
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (context.request == nullptr) return absl::InvalidArgumentError(who + ": no request");
  XSD_RETURN_IF_ERROR(ValidateSamplingParams(context.sampling));
  sampling_ = context.sampling;
  rng_.Seed(context.seed);
  // Nothing of the last request survives a failed Begin.
  prompt_rows_ = committed_size_ = 0;
  sequence_.clear();
  proposed_.clear();
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
  next_logits_ = next_hidden_ = at::Tensor();
  if (prompt.embeds.defined()) {
    // Rows given as embeddings: prefilled here once; never rolled back, since
    // every committed sequence starts with them.
    sequence_.assign(n, kNoToken);
    XSD_ASSIGN_OR_RETURN(const Fed fed, Feed(LlamaStepInput(), prompt.embeds));
    next_logits_ = fed.logits;
    next_hidden_ = fed.hidden;
  } else {
    sequence_ = std::move(prompt.tokens);
    XSD_RETURN_IF_ERROR(CatchUp());
  }
  if (lane_ != nullptr) lane_->Synchronize();  // the prefill's time is its device time
  prompt_rows_ = committed_size_ = n;
  breakdown_ = PrefillBreakdown();
  breakdown_.media_ms = prompt.media_ms;
  breakdown_.vision_ms = prompt.vision_ms;
  breakdown_.prompt_tokens = n;
  breakdown_.llm_ms = MillisBetween(start, Now());
  return absl::OkStatus();
}

absl::StatusOr<LlamaDrafter::Fed> LlamaDrafter::Feed(const LlamaStepInput& step, const at::Tensor& embeds) {
  const int start = seq_.cache->length();
  LlamaOutput out;
  int rows = 0;
  if (embeds.defined()) {  // the prompt, as embeddings
    rows = static_cast<int>(embeds.size(0));
    LlamaInput input;
    input.embeds = embeds;
    XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(start, rows, model_->device()));
    input.logits = LogitsRows::kLast;
    XSD_ASSIGN_OR_RETURN(out, model_->Forward(input, seq_.cache.get()));
  } else {  // tokens: CUDA graphs where the step runner takes them
    rows = static_cast<int>(step.positions.size());
    XSD_ASSIGN_OR_RETURN(out, RunLlamaStep(*model_, seq_.cache.get(), seq_.runner.get(), step, LogitsRows::kLast));
  }
  XSD_RETURN_IF_ERROR(seq_.cache->Advance(rows));
  Fed fed;
  fed.logits = out.logits;
  if (!hidden_rows_.defined()) return fed;
  XSD_RETURN_IF_ERROR(TorchCall(absl::StrCat(seq_.info.name, " drafter: keeping hidden rows"), [&]() -> absl::Status {
    hidden_rows_.narrow(0, start, rows).copy_(out.hidden);
    fed.hidden = hidden_rows_.narrow(0, start + rows - 1, 1);
    return absl::OkStatus();
  }));
  return fed;
}

absl::Status LlamaDrafter::CatchUp() {
  const int total = static_cast<int>(sequence_.size());
  if (seq_.cache->length() == total && next_logits_.defined()) return absl::OkStatus();
  if (seq_.cache->length() == total) {
    // Everything is cached but the logits after it were not kept.
    if (hidden_rows_.defined()) {  // the last row's state is kept: its logits without a forward
      next_hidden_ = hidden_rows_.narrow(0, total - 1, 1);
      XSD_ASSIGN_OR_RETURN(next_logits_, model_->LmHead(next_hidden_));
      return absl::OkStatus();
    }
    if (sequence_.back() == kNoToken) {
      return absl::InternalError(
          absl::StrCat(seq_.info.name, " drafter: cannot re-feed a prompt row given as embeddings"));
    }
    XSD_RETURN_IF_ERROR(seq_.cache->Truncate(total - 1));  // feed the last token again
  }
  const int cached = seq_.cache->length();
  LlamaStepInput step;
  step.tokens.assign(sequence_.begin() + cached, sequence_.end());
  for (int i = cached; i < total; ++i) step.positions.push_back(i);
  XSD_ASSIGN_OR_RETURN(const Fed fed, Feed(step, at::Tensor()));
  next_hidden_ = fed.hidden;
  next_logits_ = fed.logits;
  if (seq_.runner != nullptr) {
    // A step runner's logits live in its buffers until its next step: keep a copy.
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: keeping logits", [&]() -> absl::Status {
      next_logits_ = next_logits_.clone();
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<Draft> LlamaDrafter::Propose(const DraftSpec& spec) {
  const LaneStream::Scope lane(lane_.get());
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (spec.tree.has_value()) return absl::InvalidArgumentError(who + ": drafts chains only (no tree support)");
  if (sequence_.empty()) return absl::FailedPreconditionError(who + ": Propose before Begin");
  // Drafting a token needs the logits after the whole sequence, so the cache
  // must hold all of it: at most capacity - size + 1 more tokens.
  const int room = seq_.cache->capacity() - static_cast<int>(sequence_.size()) + 1;
  const int count = std::max(0, std::min(spec.max_tokens, room));
  if (count == 0) return Draft();
  return sampling_.greedy() || head_ != nullptr ? ProposeGreedy(count) : ProposeSampled(count);
}

absl::StatusOr<Draft> LlamaDrafter::ProposeGreedy(int count) {
  XSD_RETURN_IF_ERROR(CatchUp());
  at::Tensor logits = next_logits_, hidden = next_hidden_;
  const int start = static_cast<int>(sequence_.size());
  std::vector<at::Tensor> own, proposals;  // [1] int64 each, on the device
  for (int j = 0; j < count; ++j) {
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: argmax", [&]() -> absl::Status {
      own.push_back(logits.argmax(-1));  // the first maximal index: the shared tie-break
      return absl::OkStatus();
    }));
    if (head_ != nullptr) {
      XSD_ASSIGN_OR_RETURN(at::Tensor proposal, head_->Tokens(hidden));
      proposals.push_back(proposal);
    }
    if (j + 1 == count) break;
    // Feed its own token straight back without reading it on the host.
    LlamaStepInput step;
    step.device_tokens = own.back();
    step.positions = {start + j};
    XSD_ASSIGN_OR_RETURN(const Fed fed, Feed(step, at::Tensor()));
    logits = fed.logits;
    hidden = fed.hidden;
  }
  next_logits_ = next_hidden_ = at::Tensor();  // the last own token is not in the cache
  // One read-back for the whole chain: its own tokens, then the proposals.
  std::vector<TokenId> host;
  XSD_RETURN_IF_ERROR(TorchCall("llama drafter: reading the chain", [&]() -> absl::Status {
    std::vector<at::Tensor> all = own;
    all.insert(all.end(), proposals.begin(), proposals.end());
    const at::Tensor read = at::cat(all).to(at::kCPU, at::kInt).contiguous();
    host.assign(read.data_ptr<int32_t>(), read.data_ptr<int32_t>() + read.numel());
    return absl::OkStatus();
  }));
  // The cache rows already hold the fed tokens; the sequence catches up here.
  sequence_.insert(sequence_.end(), host.begin(), host.begin() + count);
  std::vector<TokenId> drafts(head_ != nullptr ? host.begin() + count : host.begin(), host.begin() + (head_ ? 2 * count : count));
  proposed_.insert(proposed_.end(), drafts.begin(), drafts.end());
  return Draft::Chain(std::move(drafts));
}

absl::StatusOr<Draft> LlamaDrafter::ProposeSampled(int count) {
  Draft draft;
  std::vector<float> host_logits, probs;
  for (int j = 0; j < count; ++j) {
    XSD_RETURN_IF_ERROR(CatchUp());
    XSD_RETURN_IF_ERROR(TorchCall("llama drafter: reading logits", [&]() -> absl::Status {
      const at::Tensor host = next_logits_.reshape({-1}).to(at::kCPU, at::kFloat).contiguous();
      host_logits.assign(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
      return absl::OkStatus();
    }));
    LogitsToProbs(host_logits, sampling_, &probs);
    const TokenId token = SampleFrom(probs, &rng_);
    draft.Add(token, draft.size() - 1, probs);
    sequence_.push_back(token);
    proposed_.push_back(token);
    next_logits_ = next_hidden_ = at::Tensor();
  }
  return draft;
}

absl::Status LlamaDrafter::Observe(const RoundOutcome& outcome) {
  const LaneStream::Scope lane(lane_.get());
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
    next_logits_ = next_hidden_ = at::Tensor();
  }
  XSD_RETURN_IF_ERROR(seq_.cache->Truncate(common));
  sequence_ = std::move(next);
  committed_size_ = static_cast<int>(sequence_.size());
  proposed_.clear();
  return absl::OkStatus();
}

absl::StatusOr<Draft> LlamaDrafter::Speculation() {
  if (head_ == nullptr || !head_->revises() || proposed_.empty()) return Draft::Chain(proposed_);
  // Proposal i was drawn from the row before sequence position committed_size_ + i.
  const int n = static_cast<int>(proposed_.size());
  XSD_ASSIGN_OR_RETURN(const at::Tensor rows, HiddenRows(committed_size_ - 1, n));
  const LaneStream::Scope lane(lane_.get());
  XSD_ASSIGN_OR_RETURN(const at::Tensor tokens, head_->Tokens(rows));
  return TorchCall("llama drafter: revised speculation", [&]() -> absl::StatusOr<Draft> {
    const at::Tensor host = tokens.to(at::kCPU, at::kInt).contiguous();
    return Draft::Chain(std::vector<TokenId>(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + n));
  });
}

absl::StatusOr<at::Tensor> LlamaDrafter::GeneratedStates(int count) {
  const LaneStream::Scope lane(lane_.get());
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (sequence_.empty()) return absl::FailedPreconditionError(who + ": GeneratedStates before Begin");
  if (!hidden_rows_.defined()) return absl::FailedPreconditionError(who + ": keeps no hidden rows");
  const int needed = prompt_rows_ - 1 + count;  // cache rows that must exist
  if (needed > seq_.cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat(who, ": ", count, " generated states exceed the cache"));
  }
  XSD_RETURN_IF_ERROR(CatchUp());
  while (seq_.cache->length() < needed) {
    // Extend its own continuation by its greedy token.
    LlamaStepInput step;
    XSD_ASSIGN_OR_RETURN(const TokenId own, TorchCall(who + ": own token", [&]() -> absl::StatusOr<TokenId> {
      step.device_tokens = next_logits_.argmax(-1);
      return static_cast<TokenId>(step.device_tokens.reshape({-1})[0].item<int64_t>());
    }));
    step.positions = {seq_.cache->length()};
    sequence_.push_back(own);
    next_logits_ = next_hidden_ = at::Tensor();
    XSD_RETURN_IF_ERROR(CatchUp());
  }
  return HiddenRows(prompt_rows_ - 1, count);
}

absl::StatusOr<at::Tensor> LlamaDrafter::HiddenRows(int start, int count) const {
  const std::string who = absl::StrCat(seq_.info.name, " drafter");
  if (!hidden_rows_.defined()) return absl::FailedPreconditionError(who + ": keeps no hidden rows");
  if (start < 0 || count < 0 || start + count > seq_.cache->length()) {
    return absl::OutOfRangeError(absl::StrCat(who, ": hidden rows [", start, ", ", start + count,
                                              ") outside the cached [0, ", seq_.cache->length(), ")"));
  }
  if (lane_ != nullptr) lane_->Synchronize();  // the rows are read on the caller's stream
  return hidden_rows_.narrow(0, start, count);
}

const Tokenizer* LlamaDrafter::tokenizer() const { return encoder_->tokenizer(); }

}  // namespace xsd
