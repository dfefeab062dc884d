// MockVerifier: a Verifier backed by a ScriptedLm, with simulated prefill and
// step costs (ScriptedLmOptions::prefill_ms, step_ms, ...).
#pragma once

#include <memory>
#include <vector>

#include "xsd/core/verifier.h"
#include "xsd/mock/scripted_lm.h"

namespace xsd {

class MockVerifier final : public Verifier {
 public:
  static absl::StatusOr<std::unique_ptr<MockVerifier>> Create(const ScriptedLmOptions& options);

  const ModelInfo& info() const override { return info_; }
  absl::StatusOr<TargetOutput> Prefill(const Request& request, const OutputRequest& out) override;
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& draft, const OutputRequest& out) override;
  absl::Status Commit(absl::Span<const int32_t> kept_nodes) override;
  int cache_length() const override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

  // The model, for oracles and tests (not owned by the caller).
  const ScriptedLm& lm() const { return *lm_; }
  // Forwards so far (Prefill + Verify), for tests.
  int64_t forward_count() const { return forwards_; }

 private:
  explicit MockVerifier(std::unique_ptr<ScriptedLm> lm);
  TargetOutput MakeOutput(const std::vector<uint64_t>& hashes, const OutputRequest& out) const;

  std::unique_ptr<ScriptedLm> lm_;
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  int pending_rows_ = 0;  // tentative rows written by the last Verify (0 = none)
  std::vector<int32_t> last_parents_;  // parents of the last verified draft
  int64_t forwards_ = 0;
};

}  // namespace xsd
