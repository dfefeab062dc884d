#include "xsd/vision/eventgpt_drafter.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "nn_ops.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd {

EventGptDrafter::EventGptDrafter(std::shared_ptr<const EventGptModel> model, KvCachePool::Lease cache,
                                 std::shared_ptr<const Tokenizer> tokenizer, std::unique_ptr<DraftHead> head,
                                 ModelInfo info)
    : model_(std::move(model)),
      cache_(std::move(cache)),
      tokenizer_(std::move(tokenizer)),
      head_(std::move(head)),
      info_(std::move(info)) {}

absl::StatusOr<std::unique_ptr<EventGptDrafter>> EventGptDrafter::Create(std::shared_ptr<const EventGptModel> model,
                                                                         const EventGptDrafterOptions& options,
                                                                         std::shared_ptr<const Tokenizer> tokenizer,
                                                                         std::unique_ptr<DraftHead> head) {
  if (model == nullptr) return absl::InvalidArgumentError("eventgpt drafter: no model");
  const LlamaModel& llm = model->llm();
  if (options.max_seq_len < 2 || options.max_seq_len > llm.max_positions()) {
    return absl::InvalidArgumentError(absl::StrCat("eventgpt drafter: max_seq_len must be in [2, ", llm.max_positions(),
                                                   "], got ", options.max_seq_len));
  }
  XSD_ASSIGN_OR_RETURN(KvCachePool::Lease cache,
                       KvCachePool::ForDevice(llm.device()).Acquire(llm.CacheSpec(options.max_seq_len)));
  ModelInfo info;
  info.name = options.name;
  info.device = llm.device().str();
  info.vocab_size = llm.config().vocab_size;
  info.eos_token = llm.config().eos_token;
  info.max_seq_len = options.max_seq_len;
  info.hidden_size = llm.config().hidden_size;
  std::unique_ptr<EventGptDrafter> drafter(
      new EventGptDrafter(std::move(model), std::move(cache), std::move(tokenizer), std::move(head), std::move(info)));
  auto runner = MakeLlamaStepRunner(options.step_mode, &drafter->model_->llm(), drafter->cache_.get());
  if (!runner.ok()) {
    return Annotate(runner.status(), absl::StrCat("eventgpt drafter (step mode ", LlamaStepModeName(options.step_mode), ")"));
  }
  drafter->runner_ = std::move(runner).value();
  drafter->lane_ = std::make_unique<LaneStream>(llm.device());
  XSD_RETURN_IF_ERROR(TorchCall("eventgpt drafter: hidden-state buffer", [&]() -> absl::Status {
    drafter->hidden_rows_ = at::zeros({options.max_seq_len, llm.config().hidden_size},
                                      at::TensorOptions().dtype(llm.dtype()).device(llm.device()));
    return absl::OkStatus();
  }));
  return drafter;
}

DrafterCapabilities EventGptDrafter::capabilities() const {
  DrafterCapabilities c;
  c.own_prefill = true;
  c.own_vocabulary = head_ == nullptr;  // identity: its own tokens are the drafts
  c.revises_speculation = head_ != nullptr && head_->revises();
  return c;
}

absl::Status EventGptDrafter::Begin(const DraftContext& context) {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  if (context.request == nullptr) return absl::InvalidArgumentError("eventgpt drafter: Begin without a request");
  if (tokenizer_ == nullptr) {
    return absl::FailedPreconditionError("eventgpt drafter: no tokenizer loaded; use BeginWithInputs");
  }
  const TimePoint start = Now();
  const Request& request = *context.request;
  XSD_ASSIGN_OR_RETURN(SplitPromptIds ids, EventGptPromptIds(*tokenizer_, request.question));
  XSD_ASSIGN_OR_RETURN(at::Tensor pixels,
                       LoadEventPixels(request.event_image_paths, model_->config().vision.image_size));
  const double media_ms = MillisBetween(start, Now());
  XSD_RETURN_IF_ERROR_CTX(BeginWithInputs(ids.before, ids.after, pixels),
                          absl::StrCat("eventgpt drafter, request '", request.id, "'"));
  breakdown_.media_ms = media_ms;
  return absl::OkStatus();
}

absl::Status EventGptDrafter::BeginWithInputs(const std::vector<TokenId>& before, const std::vector<TokenId>& after,
                                              const at::Tensor& pixels) {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  cache_->Clear();
  own_.clear();
  proposed_.clear();
  committed_ = 0;
  prompt_len_ = 0;
  caught_up_ = false;
  breakdown_ = PrefillBreakdown();
  TimePoint start = Now();
  XSD_ASSIGN_OR_RETURN(at::Tensor visual, model_->visual().Encode(pixels));
  vision_internal::WaitForDevice(visual);
  breakdown_.vision_ms = MillisBetween(start, Now());
  start = Now();
  XSD_ASSIGN_OR_RETURN(at::Tensor embeds, model_->SpliceVisual(before, after, visual));
  const int rows = static_cast<int>(embeds.size(0));
  if (rows > cache_->capacity()) {
    return absl::OutOfRangeError(absl::StrCat("eventgpt drafter: prompt of ", rows, " positions exceeds max_seq_len ",
                                              cache_->capacity()));
  }
  XSD_RETURN_IF_ERROR(Feed(at::Tensor(), embeds, rows));
  prompt_len_ = rows;
  vision_internal::WaitForDevice(next_token_);
  breakdown_.llm_ms = MillisBetween(start, Now());
  breakdown_.prompt_tokens = rows;
  return absl::OkStatus();
}

absl::Status EventGptDrafter::Feed(const at::Tensor& tokens, const at::Tensor& embeds, int rows) {
  const LlamaModel& llm = model_->llm();
  const int start = cache_->length();
  LlamaOutput out;
  if (embeds.defined()) {  // the prompt
    LlamaInput input;
    input.embeds = embeds;
    XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(start, rows, llm.device()));
    input.logits = LogitsRows::kLast;
    XSD_ASSIGN_OR_RETURN(out, llm.Forward(input, cache_.get()));
  } else {  // decode steps: graphs where the runner takes them
    LlamaStepInput step;
    step.device_tokens = tokens;
    for (int i = 0; i < rows; ++i) step.positions.push_back(start + i);
    XSD_ASSIGN_OR_RETURN(out, RunLlamaStep(llm, cache_.get(), runner_.get(), step, LogitsRows::kLast));
  }
  XSD_RETURN_IF_ERROR(cache_->Advance(rows));
  return TorchCall("eventgpt drafter: step outputs", [&]() -> absl::Status {
    hidden_rows_.narrow(0, start, rows).copy_(out.hidden);
    next_hidden_ = out.hidden.narrow(0, rows - 1, 1);
    next_token_ = out.logits.argmax(-1);  // the shared tie-break: lowest index among maxima
    caught_up_ = true;
    return absl::OkStatus();
  });
}

absl::Status EventGptDrafter::CatchUp() {
  const int fed = cache_->length() - prompt_len_;
  const int missing = static_cast<int>(own_.size()) - fed;
  if (missing == 0) {
    if (caught_up_) return absl::OkStatus();
    // Everything is cached (a rollback kept it): the last row's state is in the buffer.
    const int last = cache_->length() - 1;
    XSD_ASSIGN_OR_RETURN(at::Tensor logits, model_->llm().LmHead(hidden_rows_.narrow(0, last, 1)));
    return TorchCall("eventgpt drafter: catch up", [&]() -> absl::Status {
      next_hidden_ = hidden_rows_.narrow(0, last, 1);
      next_token_ = logits.argmax(-1);
      caught_up_ = true;
      return absl::OkStatus();
    });
  }
  std::vector<TokenId> pending(own_.begin() + fed, own_.end());
  XSD_ASSIGN_OR_RETURN(at::Tensor tokens, TokensTensor(pending, model_->llm().device()));
  return Feed(tokens, at::Tensor(), missing);
}

absl::StatusOr<Draft> EventGptDrafter::Propose(const DraftSpec& spec) {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  if (prompt_len_ == 0) return absl::FailedPreconditionError("eventgpt drafter: Propose before Begin");
  if (spec.tree.has_value()) return absl::UnimplementedError("eventgpt drafter: proposes chains only");
  Draft draft;
  const int capacity = cache_->capacity();
  // After catching up the cache holds prompt + own_; each token but the last
  // of this call is then fed: k tokens need k - 1 more rows.
  const int cached_after_catch_up = prompt_len_ + static_cast<int>(own_.size());
  if (spec.max_tokens <= 0 || cached_after_catch_up > capacity) return draft;
  XSD_RETURN_IF_ERROR(CatchUp());
  const int count = std::min(spec.max_tokens, capacity - cached_after_catch_up + 1);
  std::vector<at::Tensor> own_tokens, draft_tokens;
  for (int i = 0; i < count; ++i) {
    at::Tensor own = next_token_;
    at::Tensor proposal = own;
    if (head_ != nullptr) {
      XSD_ASSIGN_OR_RETURN(proposal, head_->Tokens(next_hidden_));
    }
    own_tokens.push_back(own);
    draft_tokens.push_back(proposal);
    if (i + 1 < count) XSD_RETURN_IF_ERROR(Feed(own, at::Tensor(), 1));
  }
  caught_up_ = false;  // the last own token is fed by the next Propose
  // One read-back for the whole chain.
  XSD_ASSIGN_OR_RETURN(std::vector<TokenId> host, TorchCall("eventgpt drafter: reading drafts",
                                                            [&]() -> absl::StatusOr<std::vector<TokenId>> {
    const at::Tensor all = at::cat({at::cat(own_tokens), at::cat(draft_tokens)}).to(at::kCPU, at::kInt).contiguous();
    return std::vector<TokenId>(all.data_ptr<int32_t>(), all.data_ptr<int32_t>() + all.numel());
  }));
  own_.insert(own_.end(), host.begin(), host.begin() + count);
  std::vector<TokenId> proposals(host.begin() + count, host.end());
  proposed_.insert(proposed_.end(), proposals.begin(), proposals.end());
  return Draft::Chain(std::move(proposals));
}

absl::Status EventGptDrafter::Observe(const RoundOutcome& outcome) {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  if (prompt_len_ == 0) return absl::FailedPreconditionError("eventgpt drafter: Observe before Begin");
  const int fed = cache_->length() - prompt_len_;
  size_t match = 0;
  while (match < outcome.committed.size() && committed_ + match < own_.size() &&
         own_[committed_ + match] == outcome.committed[match]) {
    ++match;
  }
  const int keep = std::min(fed, committed_ + static_cast<int>(match));
  own_.resize(committed_);
  own_.insert(own_.end(), outcome.committed.begin(), outcome.committed.end());
  committed_ = static_cast<int>(own_.size());
  proposed_.clear();
  caught_up_ = false;
  return cache_->Truncate(prompt_len_ + keep);
}

absl::StatusOr<Draft> EventGptDrafter::Speculation() {
  if (head_ == nullptr || !head_->revises() || proposed_.empty()) return Draft::Chain(proposed_);
  // Proposal i was drawn from the row before output position committed_ + i.
  const int first = prompt_len_ + committed_ - 1;
  const int n = static_cast<int>(proposed_.size());
  XSD_ASSIGN_OR_RETURN(at::Tensor rows, HiddenRows(first, n));
  XSD_ASSIGN_OR_RETURN(at::Tensor tokens, head_->Tokens(rows));
  return TorchCall("eventgpt drafter: revised speculation", [&]() -> absl::StatusOr<Draft> {
    const at::Tensor host = tokens.to(at::kCPU, at::kInt).contiguous();
    return Draft::Chain(std::vector<TokenId>(host.data_ptr<int32_t>(), host.data_ptr<int32_t>() + n));
  });
}

absl::StatusOr<at::Tensor> EventGptDrafter::GeneratedStates(int count) {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  if (prompt_len_ == 0) return absl::FailedPreconditionError("eventgpt drafter: GeneratedStates before Begin");
  const int needed = prompt_len_ - 1 + count;  // cache rows that must exist
  if (needed > cache_->capacity()) {
    return absl::OutOfRangeError(absl::StrCat("eventgpt drafter: ", count, " generated states exceed the cache"));
  }
  XSD_RETURN_IF_ERROR(CatchUp());
  while (cache_->length() < needed) {
    // Extend the drafter's own continuation by its greedy token.
    XSD_ASSIGN_OR_RETURN(std::vector<TokenId> host, TorchCall("eventgpt drafter: own token",
                                                              [&]() -> absl::StatusOr<std::vector<TokenId>> {
      return std::vector<TokenId>{static_cast<TokenId>(next_token_.reshape({-1})[0].item<int64_t>())};
    }));
    const at::Tensor own = next_token_;
    own_.push_back(host[0]);
    XSD_RETURN_IF_ERROR(Feed(own, at::Tensor(), 1));
  }
  return HiddenRows(prompt_len_ - 1, count);
}

absl::StatusOr<at::Tensor> EventGptDrafter::HiddenRows(int start, int count) const {
  const LaneStream::Scope lane(lane_.get());  // see eventgpt_drafter.h: Threading
  if (start < 0 || count < 0 || start + count > cache_->length()) {
    return absl::OutOfRangeError(absl::StrCat("eventgpt drafter: hidden rows [", start, ", ", start + count,
                                              ") outside the cached [0, ", cache_->length(), ")"));
  }
  lane_->Synchronize();  // the rows are read on the caller's stream
  return hidden_rows_.narrow(0, start, count);
}

}  // namespace xsd
