#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/core/sampling.h"
#include "xsd/mock/mock_drafter.h"

namespace xsd {
namespace {

class ScriptedOracle final : public Oracle {
 public:
  explicit ScriptedOracle(const ScriptedLm* target) : target_(target) {}
  absl::Status Begin(const Request& request) override {
    const auto& o = target_->options();
    prompt_hash_ = target_->HashOf(MockPromptTokens(request, o.vocab_size, o.default_prompt_tokens));
    return absl::OkStatus();
  }
  TokenId Next(absl::Span<const TokenId> output) override {
    uint64_t h = prompt_hash_;
    for (TokenId t : output) h = ScriptedLm::ExtendHash(h, t);
    return Argmax(target_->Logits(h));
  }

 private:
  const ScriptedLm* target_;  // not owned
  uint64_t prompt_hash_ = 0;
};

}  // namespace

std::unique_ptr<Oracle> MakeScriptedOracle(const ScriptedLm* target) {
  return std::make_unique<ScriptedOracle>(target);
}

void ReplayOracle::Set(const std::string& request_id, std::vector<TokenId> tokens) {
  continuations_[request_id] = std::move(tokens);
}

absl::Status ReplayOracle::Begin(const Request& request) {
  auto it = continuations_.find(request.id);
  current_ = it == continuations_.end() ? nullptr : &it->second;
  return absl::OkStatus();
}

TokenId ReplayOracle::Next(absl::Span<const TokenId> output) {
  if (current_ == nullptr || output.size() >= current_->size()) return kNoToken;
  for (size_t i = 0; i < output.size(); ++i) {
    if ((*current_)[i] != output[i]) return kNoToken;
  }
  return (*current_)[output.size()];
}

NoisyOracleDrafter::NoisyOracleDrafter(const NoisyOracleOptions& options, std::unique_ptr<Oracle> oracle,
                                       const ModelInfo& target_info)
    : options_(options), oracle_(std::move(oracle)) {
  info_ = target_info;
  info_.name = "noisy_oracle";
  info_.hidden_size = 0;
}

absl::StatusOr<std::unique_ptr<NoisyOracleDrafter>> NoisyOracleDrafter::Create(
    const NoisyOracleOptions& options, std::unique_ptr<Oracle> oracle, const ModelInfo& target_info) {
  if (options.agreement < 0 || options.agreement > 1) {
    return absl::InvalidArgumentError(absl::StrCat("noisy_oracle.agreement: must be in [0, 1], got ",
                                                   options.agreement));
  }
  if (oracle == nullptr) return absl::InvalidArgumentError("noisy_oracle: no oracle");
  if (target_info.vocab_size < 2) return absl::InvalidArgumentError("noisy_oracle: target vocabulary too small");
  return std::unique_ptr<NoisyOracleDrafter>(new NoisyOracleDrafter(options, std::move(oracle), target_info));
}

DrafterCapabilities NoisyOracleDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.own_prefill = true;
  return caps;
}

absl::Status NoisyOracleDrafter::Begin(const DraftContext& context) {
  if (context.request == nullptr) return absl::InvalidArgumentError("noisy_oracle: no request");
  const TimePoint start = Now();
  rng_.Seed(MixHash(context.seed, options_.seed));
  output_.clear();
  speculation_.clear();
  XSD_RETURN_IF_ERROR(oracle_->Begin(*context.request));
  SimulateCost(options_.prefill_ms);
  breakdown_ = PrefillBreakdown();
  breakdown_.llm_ms = MillisBetween(start, Now());
  return absl::OkStatus();
}

TokenId NoisyOracleDrafter::Guess(absl::Span<const TokenId> sequence) {
  const TokenId truth = oracle_->Next(sequence);
  const bool agree = rng_.Uniform() < options_.agreement;
  if (agree && truth != kNoToken) return truth;
  // Any token but the truth, uniformly.
  const int vocab = info_.vocab_size;
  if (truth == kNoToken) return static_cast<TokenId>(rng_.Below(vocab));
  TokenId other = static_cast<TokenId>(rng_.Below(vocab - 1));
  return other >= truth ? other + 1 : other;
}

absl::StatusOr<Draft> NoisyOracleDrafter::Propose(const DraftSpec& spec) {
  if (spec.tree.has_value()) return absl::UnimplementedError("noisy_oracle: drafts chains only (no trees)");
  Draft draft;
  std::vector<TokenId> sequence = output_;
  sequence.insert(sequence.end(), speculation_.begin(), speculation_.end());
  for (int j = 0; j < spec.max_tokens; ++j) {
    const TokenId t = Guess(sequence);
    sequence.push_back(t);
    speculation_.push_back(t);
    draft.Add(t, draft.size() - 1);
    SimulateCost(options_.step_ms);
  }
  return draft;
}

absl::Status NoisyOracleDrafter::Observe(const RoundOutcome& outcome) {
  output_.insert(output_.end(), outcome.committed.begin(), outcome.committed.end());
  speculation_.clear();
  return absl::OkStatus();
}

}  // namespace xsd
