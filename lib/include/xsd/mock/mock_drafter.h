// Mock drafters.
//
// ScriptedDrafter: a ScriptedLm (its own seed, so it disagrees with the target
// now and then) drafting over its own KV cache: greedy chains, sampled chains
// with draft probabilities, and EAGLE-2 style top-k trees (greedy) or trees of
// independently sampled children (stochastic).
//
// NoisyOracleDrafter: proposes what an Oracle says the target would emit with
// probability `agreement`, another token otherwise: planted acceptance.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xsd/base/rng.h"
#include "xsd/core/drafter.h"
#include "xsd/mock/scripted_lm.h"

namespace xsd {

// Planted acceptance (the pipeline config's NoisyOracleOptions).
struct NoisyOracleOptions {
  double agreement = 0.5;  // probability of proposing the oracle's token
  uint64_t seed = 7;
  double step_ms = 0;      // simulated cost per drafted token
  double prefill_ms = 0;   // simulated cost of Begin
};

class ScriptedDrafter final : public Drafter {
 public:
  static absl::StatusOr<std::unique_ptr<ScriptedDrafter>> Create(const ScriptedLmOptions& options);

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

  const ScriptedLm& lm() const { return *lm_; }

 private:
  explicit ScriptedDrafter(std::unique_ptr<ScriptedLm> lm);
  // Feeds every token of sequence_ not yet in the cache (one simulated forward).
  absl::StatusOr<uint64_t> CatchUp();
  absl::StatusOr<Draft> ProposeTree(const TreeSpec& tree);
  absl::StatusOr<Draft> GreedyTree(const TreeSpec& tree, uint64_t root_hash);
  absl::StatusOr<Draft> SampledTree(const TreeSpec& tree, uint64_t root_hash);

  std::unique_ptr<ScriptedLm> lm_;
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  SamplingParams sampling_;
  Rng rng_;
  std::vector<TokenId> sequence_;   // prompt + committed output + chain speculation
  int committed_size_ = 0;          // prompt + committed output
  int speculation_nodes_ = 0;       // nodes proposed since the last Observe
  bool speculation_is_tree_ = false;
};

// Says which token the target would emit next after `output` (the tokens
// emitted so far for the current request).
class Oracle {
 public:
  virtual ~Oracle() = default;
  virtual absl::Status Begin(const Request& request) = 0;
  virtual TokenId Next(absl::Span<const TokenId> output) = 0;
};

// Oracle over a ScriptedLm target (greedy). Does not own the model, which
// must outlive the oracle.
std::unique_ptr<Oracle> MakeScriptedOracle(const ScriptedLm* target);

// Replays a known continuation per request id (e.g. the target's greedy
// output recorded by a baseline run); off it or beyond it, kNoToken.
class ReplayOracle final : public Oracle {
 public:
  void Set(const std::string& request_id, std::vector<TokenId> tokens);
  absl::Status Begin(const Request& request) override;
  TokenId Next(absl::Span<const TokenId> output) override;

 private:
  std::map<std::string, std::vector<TokenId>> continuations_;
  const std::vector<TokenId>* current_ = nullptr;  // points into continuations_
};

class NoisyOracleDrafter final : public Drafter {
 public:
  static absl::StatusOr<std::unique_ptr<NoisyOracleDrafter>> Create(const NoisyOracleOptions& options,
                                                                    std::unique_ptr<Oracle> oracle,
                                                                    const ModelInfo& target_info);

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

  Oracle* oracle() { return oracle_.get(); }

 private:
  NoisyOracleDrafter(const NoisyOracleOptions& options, std::unique_ptr<Oracle> oracle,
                     const ModelInfo& target_info);
  TokenId Guess(absl::Span<const TokenId> sequence);

  NoisyOracleOptions options_;
  std::unique_ptr<Oracle> oracle_;
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  Rng rng_;
  std::vector<TokenId> output_;       // committed output
  std::vector<TokenId> speculation_;  // chain since the last Observe
};

}  // namespace xsd
