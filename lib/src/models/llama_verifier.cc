#include "xsd/models/llama_verifier.h"

#include <tuple>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"

#include "fused_kernels.h"

namespace xsd {
namespace {

absl::Status CheckTokens(absl::Span<const TokenId> tokens, int vocab, const std::string& who) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": token ", tokens[i], " at index ", i,
                                                     " is outside the vocabulary [0, ", vocab, ")"));
    }
  }
  return absl::OkStatus();
}

// Row i may see row j when j is i, the pending row 0, or an ancestor of i
// ([rows * rows] row-major).
std::vector<uint8_t> TreeVisibility(const Draft& draft) {
  const int rows = draft.size() + 1;
  std::vector<uint8_t> allowed(static_cast<size_t>(rows) * rows, 0);
  allowed[0] = 1;
  for (int i = 0; i < draft.size(); ++i) {
    const int row = i + 1;
    allowed[static_cast<size_t>(row) * rows] = 1;
    for (int n = i; n >= 0; n = draft.parents[n]) allowed[static_cast<size_t>(row) * rows + n + 1] = 1;
  }
  return allowed;
}

}  // namespace

LlamaVerifier::LlamaVerifier(std::shared_ptr<const LlamaModel> model, LlamaSequence seq,
                             std::unique_ptr<LlamaPromptEncoder> encoder)
    : model_(std::move(model)),
      seq_(std::move(seq)),
      encoder_(std::move(encoder)) {}

absl::StatusOr<std::unique_ptr<LlamaVerifier>> LlamaVerifier::Create(std::shared_ptr<const LlamaModel> model,
                                                                     const LlamaSequenceOptions& options,
                                                                     std::shared_ptr<const Tokenizer> tokenizer) {
  return CreateWithPromptEncoder(std::move(model), options,
                                 MakeTextPromptEncoder(std::move(tokenizer), options.name + " verifier"));
}

absl::StatusOr<std::unique_ptr<LlamaVerifier>> LlamaVerifier::CreateWithPromptEncoder(
    std::shared_ptr<const LlamaModel> model, const LlamaSequenceOptions& options,
    std::unique_ptr<LlamaPromptEncoder> encoder) {
  XSD_ASSIGN_OR_RETURN(LlamaSequence seq, PrepareLlamaSequence(model.get(), options, encoder.get(), "llama verifier"));
  return std::unique_ptr<LlamaVerifier>(new LlamaVerifier(std::move(model), std::move(seq), std::move(encoder)));
}

absl::StatusOr<LlamaSequence> PrepareLlamaSequence(const LlamaModel* model, const LlamaSequenceOptions& options,
                                                   const LlamaPromptEncoder* encoder, const std::string& who) {
  if (model == nullptr) return absl::InvalidArgumentError(who + ": no model");
  if (encoder == nullptr) return absl::InvalidArgumentError(who + ": no prompt encoder");
  if (options.max_seq_len < 2 || options.max_seq_len > model->max_positions()) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": max_seq_len must be in [2, ", model->max_positions(),
                                                   "], got ", options.max_seq_len));
  }
  LlamaSequence seq;
  XSD_ASSIGN_OR_RETURN(seq.cache,
                       KvCachePool::ForDevice(model->device()).Acquire(model->CacheSpec(options.max_seq_len)));
  seq.info.name = options.name;
  seq.info.device = model->device().str();
  seq.info.vocab_size = model->config().vocab_size;
  seq.info.eos_token = model->config().eos_token;
  seq.info.max_seq_len = options.max_seq_len;
  seq.info.hidden_size = model->config().hidden_size;
  seq.info.max_verify_rows = model->kernel_options().row_invariant() ? kRowInvariantMaxRows : 0;
  auto runner = MakeLlamaStepRunner(options.step_mode, model, seq.cache.get());
  if (!runner.ok()) return Annotate(runner.status(), absl::StrCat(who, " (step mode ", LlamaStepModeName(options.step_mode), ")"));
  seq.runner = std::move(runner).value();
  return seq;
}

absl::StatusOr<TargetOutput> LlamaVerifier::MakeOutput(const at::Tensor& logits, const OutputRequest& out) const {
  return TorchCall("llama verifier: reading logits", [&]() -> absl::StatusOr<TargetOutput> {
    TargetOutput result;
    result.rows = static_cast<int>(logits.size(0));
    result.vocab = static_cast<int>(logits.size(1));
    // torch.argmax returns the first maximal index: the shared tie-break.
    const at::Tensor argmax = logits.argmax(-1).to(at::kCPU, at::kInt).contiguous();
    const int32_t* ids = argmax.data_ptr<int32_t>();
    result.argmax.assign(ids, ids + result.rows);
    if (out.margins && result.vocab >= 2) {
      const at::Tensor top = std::get<0>(logits.topk(2, -1)).to(at::kCPU, at::kFloat).contiguous();  // [rows, 2]
      const float* t = top.data_ptr<float>();
      for (int i = 0; i < result.rows; ++i) result.margins.push_back(t[2 * i] - t[2 * i + 1]);
    }
    if (out.logits) {
      const at::Tensor host = logits.to(at::kCPU, at::kFloat).contiguous();
      const float* data = host.data_ptr<float>();
      result.logits.assign(data, data + host.numel());
    }
    return result;
  });
}

absl::StatusOr<TargetOutput> LlamaVerifier::Prefill(const Request& request, const OutputRequest& out) {
  const std::string who = absl::StrCat(seq_.info.name, " verifier");
  XSD_ASSIGN_OR_RETURN(LlamaPrompt prompt, encoder_->Encode(request, *model_));
  const TimePoint start = Now();
  const int n = prompt.rows();
  if (n < 1) return absl::InvalidArgumentError(absl::StrCat(who, ": empty prompt"));
  if (n > seq_.cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat(who, ": prompt of ", n, " rows exceeds max_seq_len ",
                                              seq_.cache->capacity()));
  }
  LlamaInput input;
  if (prompt.embeds.defined()) {
    input.embeds = prompt.embeds;
  } else {
    XSD_RETURN_IF_ERROR(CheckTokens(prompt.tokens, seq_.info.vocab_size, who));
    XSD_ASSIGN_OR_RETURN(input.tokens, TokensTensor(prompt.tokens, model_->device()));
  }
  seq_.cache->Clear();
  pending_rows_ = 0;
  verify_hidden_ = at::Tensor();
  verify_embeds_ = at::Tensor();
  XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(0, n, model_->device()));
  input.logits = LogitsRows::kLast;
  XSD_ASSIGN_OR_RETURN(LlamaOutput forward, model_->Forward(input, seq_.cache.get()));
  XSD_RETURN_IF_ERROR(seq_.cache->Advance(n));
  committed_hidden_ = forward.hidden;
  committed_embeds_ = forward.input_embeds;
  XSD_ASSIGN_OR_RETURN(TargetOutput output, MakeOutput(forward.logits, out));
  breakdown_ = PrefillBreakdown();
  breakdown_.media_ms = prompt.media_ms;
  breakdown_.vision_ms = prompt.vision_ms;
  breakdown_.prompt_tokens = n;
  breakdown_.llm_ms = MillisBetween(start, Now());
  return output;
}

absl::StatusOr<TargetOutput> LlamaVerifier::Verify(TokenId pending, const Draft& draft, const OutputRequest& out) {
  const std::string who = absl::StrCat(seq_.info.name, " verifier");
  if (pending_rows_ != 0) return absl::FailedPreconditionError(absl::StrCat(who, ": Verify called twice without Commit"));
  XSD_RETURN_IF_ERROR_CTX(draft.Validate(seq_.info.vocab_size), who);
  XSD_RETURN_IF_ERROR(CheckTokens({pending}, seq_.info.vocab_size, who + " (pending token)"));
  const int past = seq_.cache->length();
  const int rows = draft.size() + 1;
  if (past + rows > seq_.cache->capacity()) {
    return absl::OutOfRangeError(absl::StrCat(who, ": ", rows, " rows after ", past, " exceed max_seq_len ",
                                              seq_.cache->capacity()));
  }
  LlamaStepInput step;
  step.tokens = {pending};
  step.tokens.insert(step.tokens.end(), draft.tokens.begin(), draft.tokens.end());
  step.positions = {past};
  for (int depth : draft.Depths()) step.positions.push_back(past + depth);
  if (!draft.IsChain()) step.tree_mask = TreeVisibility(draft);
  XSD_ASSIGN_OR_RETURN(LlamaOutput forward,
                       RunLlamaStep(*model_, seq_.cache.get(), seq_.runner.get(), step, LogitsRows::kAll));
  pending_rows_ = rows;
  last_parents_ = draft.parents;
  verify_hidden_ = forward.hidden;
  verify_embeds_ = forward.input_embeds;
  return MakeOutput(forward.logits, out);
}

absl::Status LlamaVerifier::Commit(absl::Span<const int32_t> kept_nodes) {
  const std::string who = absl::StrCat(seq_.info.name, " verifier");
  if (pending_rows_ == 0) return absl::FailedPreconditionError(absl::StrCat(who, ": Commit without Verify"));
  std::vector<int32_t> offsets = {0};
  int32_t expected_parent = -1;
  for (int32_t node : kept_nodes) {
    if (node < 0 || node >= pending_rows_ - 1 || last_parents_[node] != expected_parent) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": kept node ", node, " does not continue the kept path"));
    }
    expected_parent = node;
    offsets.push_back(node + 1);
  }
  const int past = seq_.cache->length();
  pending_rows_ = 0;
  XSD_RETURN_IF_ERROR(seq_.cache->KeepRows(past, offsets));
  return TorchCall(who + ": committed features", [&]() -> absl::Status {
    const int kept = static_cast<int>(offsets.size());
    if (offsets.back() == kept - 1) {  // a prefix of the rows (chains): views, no copy
      committed_hidden_ = verify_hidden_.narrow(0, 0, kept);
      committed_embeds_ = verify_embeds_.narrow(0, 0, kept);
    } else {
      const at::Tensor index =
          at::tensor(std::vector<int64_t>(offsets.begin(), offsets.end()), at::TensorOptions().dtype(at::kLong))
              .to(model_->device());
      committed_hidden_ = verify_hidden_.index_select(0, index);
      committed_embeds_ = verify_embeds_.index_select(0, index);
    }
    return absl::OkStatus();
  });
}

const at::Tensor* LlamaVerifier::committed_hidden() const {
  return committed_hidden_.defined() ? &committed_hidden_ : nullptr;
}

const at::Tensor* LlamaVerifier::committed_input_embeds() const {
  return committed_embeds_.defined() ? &committed_embeds_ : nullptr;
}

const Tokenizer* LlamaVerifier::tokenizer() const { return encoder_->tokenizer(); }

}  // namespace xsd
