#include "xsd/mock/mock_verifier.h"

#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/core/sampling.h"
#include "xsd/kv/kv_cache.h"

namespace xsd {

MockVerifier::MockVerifier(std::unique_ptr<ScriptedLm> lm) : lm_(std::move(lm)) {
  info_.name = "scripted";
  info_.device = "cpu";
  info_.vocab_size = lm_->vocab_size();
  info_.eos_token = lm_->eos_token();
  info_.max_seq_len = lm_->cache().capacity();
}

absl::StatusOr<std::unique_ptr<MockVerifier>> MockVerifier::Create(const ScriptedLmOptions& options) {
  XSD_ASSIGN_OR_RETURN(auto lm, ScriptedLm::Create(options));
  return std::unique_ptr<MockVerifier>(new MockVerifier(std::move(lm)));
}

int MockVerifier::cache_length() const { return lm_->cache().length(); }

TargetOutput MockVerifier::MakeOutput(const std::vector<uint64_t>& hashes, const OutputRequest& out) const {
  TargetOutput result;
  result.rows = static_cast<int>(hashes.size());
  result.vocab = info_.vocab_size;
  result.argmax.resize(result.rows);
  std::vector<float> row(info_.vocab_size);
  if (out.logits) result.logits.resize(static_cast<size_t>(result.rows) * info_.vocab_size);
  for (int r = 0; r < result.rows; ++r) {
    lm_->Logits(hashes[r], row.data());
    result.argmax[r] = Argmax(row);
    if (out.logits) std::copy(row.begin(), row.end(), result.logits.begin() + static_cast<size_t>(r) * info_.vocab_size);
  }
  return result;
}

absl::StatusOr<TargetOutput> MockVerifier::Prefill(const Request& request, const OutputRequest& out) {
  const TimePoint start = Now();
  const auto& o = lm_->options();
  std::vector<TokenId> prompt = MockPromptTokens(request, o.vocab_size, o.default_prompt_tokens);
  if (prompt.empty()) return absl::InvalidArgumentError("scripted target: empty prompt");
  lm_->cache().Clear();
  pending_rows_ = 0;
  std::vector<int32_t> parents(prompt.size());
  for (size_t i = 0; i < prompt.size(); ++i) parents[i] = static_cast<int32_t>(i) - 1;
  XSD_ASSIGN_OR_RETURN(std::vector<uint64_t> hashes, lm_->WriteRows(prompt, parents));
  XSD_RETURN_IF_ERROR(lm_->cache().Advance(static_cast<int>(prompt.size())));
  SimulateCost(o.prefill_ms + o.prefill_ms_per_token * static_cast<double>(prompt.size()));
  ++forwards_;
  breakdown_ = PrefillBreakdown();
  breakdown_.prompt_tokens = static_cast<int>(prompt.size());
  TargetOutput output = MakeOutput({hashes.back()}, out);
  breakdown_.llm_ms = MillisBetween(start, Now());
  return output;
}

absl::StatusOr<TargetOutput> MockVerifier::Verify(TokenId pending, const Draft& draft, const OutputRequest& out) {
  if (pending_rows_ != 0) {
    return absl::FailedPreconditionError("scripted target: Verify called twice without Commit");
  }
  XSD_RETURN_IF_ERROR_CTX(draft.Validate(info_.vocab_size), "scripted target");
  std::vector<TokenId> tokens;
  std::vector<int32_t> parents;
  tokens.reserve(draft.size() + 1);
  tokens.push_back(pending);
  parents.push_back(-1);
  for (int i = 0; i < draft.size(); ++i) {
    tokens.push_back(draft.tokens[i]);
    parents.push_back(draft.parents[i] < 0 ? 0 : draft.parents[i] + 1);
  }
  XSD_ASSIGN_OR_RETURN(std::vector<uint64_t> hashes, lm_->WriteRows(tokens, parents));
  last_parents_ = draft.parents;
  pending_rows_ = static_cast<int>(tokens.size());
  const auto& o = lm_->options();
  SimulateCost(o.step_ms + o.step_ms_per_extra_token * draft.size());
  ++forwards_;
  return MakeOutput(hashes, out);
}

absl::Status MockVerifier::Commit(absl::Span<const int32_t> kept_nodes) {
  if (pending_rows_ == 0) return absl::FailedPreconditionError("scripted target: Commit without Verify");
  std::vector<int32_t> offsets = {0};
  int32_t expected_parent = -1;
  for (int32_t node : kept_nodes) {
    if (node < 0 || node >= pending_rows_ - 1 || last_parents_[node] != expected_parent) {
      return absl::InvalidArgumentError(absl::StrCat("scripted target: kept node ", node,
                                                     " does not continue the kept path"));
    }
    expected_parent = node;
    offsets.push_back(node + 1);
  }
  pending_rows_ = 0;
  return lm_->cache().KeepRows(lm_->cache().length(), offsets);
}

}  // namespace xsd
