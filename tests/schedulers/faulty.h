// Test decorators that make a drafter or a verifier fail: armed with a
// Fault, the wrapped component answers its `call`-th call of `method` with
// an InternalError instead of forwarding it (kInstead), or forwards it and
// then reports the error anyway (kAfter: the component's state has moved on,
// as a component that fails half-way). Every other call is forwarded. The
// decorator renames the component (ModelInfo::name), so a scheduler's error
// can be checked to name it; the injected message does not.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "xsd/core/drafter.h"
#include "xsd/core/verifier.h"

namespace xsd::testing {

struct Fault {
  enum class When { kInstead, kAfter };
  std::string method;  // "begin", "propose", "observe" (drafters); "prefill", "verify", "commit" (verifiers)
  int call = 1;        // 1: the first call after Arm
  When when = When::kInstead;
};

inline constexpr char kInjected[] = "injected fault";

// Call counting and firing, shared by both decorators. Calls may come from a
// scheduler's worker thread while the test reads fired().
class FaultPoint {
 public:
  void Arm(Fault fault) {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = std::move(fault);
    armed_ = true;
    fired_ = false;
    counts_.clear();
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
  }
  bool fired() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

  // Runs `forward` (a Status or StatusOr) unless this call is the armed one.
  template <typename Result, typename Forward>
  Result Call(const char* method, Forward forward) {
    const std::optional<Fault::When> fire = Count(method);
    if (fire == Fault::When::kInstead) return Injected(method);
    Result result = forward();
    if (fire.has_value()) return Injected(method);
    return result;
  }

 private:
  // When this call is the armed one, how it fails.
  std::optional<Fault::When> Count(const char* method) {
    std::lock_guard<std::mutex> lock(mu_);
    const int n = ++counts_[method];
    if (!armed_ || fired_ || fault_.method != method || n != fault_.call) return std::nullopt;
    fired_ = true;
    return fault_.when;
  }
  static absl::Status Injected(const char* method) {
    return absl::InternalError(absl::StrCat(kInjected, " (", method, ")"));
  }

  mutable std::mutex mu_;
  Fault fault_;
  bool armed_ = false, fired_ = false;
  std::map<std::string, int> counts_;
};

class FaultyDrafter final : public Drafter {
 public:
  FaultyDrafter(Drafter* inner, const std::string& name) : inner_(inner), info_(inner->info()) { info_.name = name; }
  FaultPoint& fault() { return fault_; }

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override { return inner_->capabilities(); }
  absl::Status Begin(const DraftContext& context) override {
    return fault_.Call<absl::Status>("begin", [&] { return inner_->Begin(context); });
  }
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override {
    return fault_.Call<absl::StatusOr<Draft>>("propose", [&] { return inner_->Propose(spec); });
  }
  absl::Status Observe(const RoundOutcome& outcome) override {
    return fault_.Call<absl::Status>("observe", [&] { return inner_->Observe(outcome); });
  }
  absl::StatusOr<Draft> Speculation() override { return inner_->Speculation(); }
  const Tokenizer* tokenizer() const override { return inner_->tokenizer(); }
  FeatureStream* feature_stream() override { return inner_->feature_stream(); }
  const PrefillBreakdown& prefill_breakdown() const override { return inner_->prefill_breakdown(); }

 private:
  Drafter* inner_;  // not owned
  ModelInfo info_;
  FaultPoint fault_;
};

class FaultyVerifier final : public Verifier {
 public:
  FaultyVerifier(Verifier* inner, const std::string& name) : inner_(inner), info_(inner->info()) { info_.name = name; }
  FaultPoint& fault() { return fault_; }

  const ModelInfo& info() const override { return info_; }
  absl::StatusOr<TargetOutput> Prefill(const Request& request, const OutputRequest& out) override {
    return fault_.Call<absl::StatusOr<TargetOutput>>("prefill", [&] { return inner_->Prefill(request, out); });
  }
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& draft, const OutputRequest& out) override {
    return fault_.Call<absl::StatusOr<TargetOutput>>("verify", [&] { return inner_->Verify(pending, draft, out); });
  }
  absl::Status Commit(absl::Span<const int32_t> kept_nodes) override {
    return fault_.Call<absl::Status>("commit", [&] { return inner_->Commit(kept_nodes); });
  }
  int cache_length() const override { return inner_->cache_length(); }
  const PrefillBreakdown& prefill_breakdown() const override { return inner_->prefill_breakdown(); }
  const Tokenizer* tokenizer() const override { return inner_->tokenizer(); }
  const TargetFeatures* features() const override { return inner_->features(); }

 private:
  Verifier* inner_;  // not owned
  ModelInfo info_;
  FaultPoint fault_;
};

}  // namespace xsd::testing
