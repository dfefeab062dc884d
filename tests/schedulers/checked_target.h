// The golden property with real models: greedy speculative output equals the
// target's greedy autoregressive output, and after the target's Prefill and
// after every Commit its KV cache holds the rows of the autoregressive run of
// the same request (a kept draft row of the wrong token, a row at the wrong
// position or a stale row left behind differs by O(1); float32 rounding of a
// batched verify against one-row steps by ~1e-6).
#pragma once

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "xsd/core/acceptance.h"
#include "xsd/core/verifier.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd::testing {

// Largest |difference| between cache rows of two runs that is rounding.
inline constexpr double kCacheRowTolerance = 1e-4;
// A greedy choice whose top-1 minus top-2 logit is below this may flip
// between a batched verify and a one-row step in float32: a near-tie.
inline constexpr float kNearTie = 1e-4f;

// The autoregressive run of one request: its tokens, margins and the cache
// rows it left (prompt + all tokens but the last).
struct Reference {
  std::vector<TokenId> tokens;
  std::vector<float> margins;
  at::Tensor keys, values;  // [layers, kv_heads, rows, head_dim]
};

inline Reference RunReference(LlamaVerifier& target, const Request& request, int max_new_tokens) {
  auto greedy = MakeGreedyAcceptance();
  SchedulerOptions options;
  options.max_new_tokens = max_new_tokens;
  options.gamma = 0;
  options.record_margins = true;
  auto ar = MakeAutoregressiveScheduler(&target, greedy.get(), options);
  REQUIRE(ar.ok());
  auto result = (*ar)->Generate(request);
  INFO("reference: " << result.status().ToString());
  REQUIRE(result.ok());
  Reference ref;
  ref.tokens = result->tokens;
  ref.margins = result->margins;
  const int rows = target.cache_length();
  ref.keys = target.cache().all_keys().narrow(2, 0, rows).clone();
  ref.values = target.cache().all_values().narrow(2, 0, rows).clone();
  return ref;
}

// Forwards to a LlamaVerifier and compares its cache with a Reference after
// the Prefill and every Commit.
class CheckedTarget final : public Verifier {
 public:
  explicit CheckedTarget(std::unique_ptr<LlamaVerifier> inner) : inner_(std::move(inner)) {}

  // The next request's reference (not owned; outlives the request).
  void Expect(const Reference* reference) { reference_ = reference; }
  // Each Prefill sleeps this long first: a target whose prefill is slower
  // than the drafter's (Video-LLaVA's 2 056 visual rows against EventGPT's
  // 578), so a prefill-hiding lane has time to draft.
  void SetPrefillDelay(std::chrono::microseconds delay) { prefill_delay_ = delay; }

  const ModelInfo& info() const override { return inner_->info(); }
  absl::StatusOr<TargetOutput> Prefill(const Request& r, const OutputRequest& o) override {
    if (prefill_delay_.count() > 0) std::this_thread::sleep_for(prefill_delay_);
    auto out = inner_->Prefill(r, o);
    if (out.ok()) Check("prefill");
    return out;
  }
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& d, const OutputRequest& o) override {
    return inner_->Verify(pending, d, o);
  }
  absl::Status Commit(absl::Span<const int32_t> kept) override {
    absl::Status s = inner_->Commit(kept);
    if (s.ok()) Check("commit");
    return s;
  }
  int cache_length() const override { return inner_->cache_length(); }
  const PrefillBreakdown& prefill_breakdown() const override { return inner_->prefill_breakdown(); }
  const Tokenizer* tokenizer() const override { return inner_->tokenizer(); }
  const TargetFeatures* features() const override { return inner_->features(); }

  LlamaVerifier& inner() { return *inner_; }
  int64_t checks() const { return checks_; }
  int64_t mismatches() const { return mismatches_; }
  const std::string& first_mismatch() const { return first_mismatch_; }
  double max_difference() const { return max_difference_; }
  // Forgets mismatches (after a request whose outputs parted at a near-tie).
  void ClearMismatches() {
    mismatches_ = 0;
    first_mismatch_.clear();
  }

 private:
  void Check(const char* after) {
    if (reference_ == nullptr) return;
    ++checks_;
    const int n = inner_->cache_length();
    std::ostringstream what;
    if (n > reference_->keys.size(2)) {
      what << "after " << after << ": " << n << " cache rows, the reference has " << reference_->keys.size(2);
    } else {
      const KvCache& cache = inner_->cache();
      const double diff = std::max(
          (cache.all_keys().narrow(2, 0, n) - reference_->keys.narrow(2, 0, n)).abs().max().item<double>(),
          (cache.all_values().narrow(2, 0, n) - reference_->values.narrow(2, 0, n)).abs().max().item<double>());
      max_difference_ = std::max(max_difference_, diff);
      if (diff <= kCacheRowTolerance) return;
      what << "after " << after << ": cache rows [0, " << n << ") differ from the reference by " << diff;
    }
    if (mismatches_++ == 0) first_mismatch_ = what.str();
  }

  std::unique_ptr<LlamaVerifier> inner_;
  const Reference* reference_ = nullptr;
  std::chrono::microseconds prefill_delay_{0};
  int64_t checks_ = 0, mismatches_ = 0;
  std::string first_mismatch_;
  double max_difference_ = 0;
};

// Where a speculative output first parts from the reference: -1 when equal.
inline int FirstDifference(const std::vector<TokenId>& got, const std::vector<TokenId>& want) {
  for (size_t i = 0; i < got.size() || i < want.size(); ++i) {
    if (i >= got.size() || i >= want.size() || got[i] != want[i]) return static_cast<int>(i);
  }
  return -1;
}

// The identities of docs/metrics.md every request satisfies.
inline void CheckStatsIdentities(const GenerationResult& r) {
  const SpecStats& s = r.stats;
  CHECK(s.new_tokens == static_cast<int64_t>(r.tokens.size()));
  CHECK(s.new_tokens == 1 + s.accepted + s.bonus);
  CHECK(s.target_forwards == 1 + s.rounds);
  CHECK(s.accepted <= s.drafted);
  CHECK(s.bonus <= s.rounds);
  int64_t drafted = 0, accepted = 0;
  for (size_t d = 0; d < s.drafted_at_depth.size(); ++d) {
    drafted += s.drafted_at_depth[d];
    accepted += d < s.accepted_at_depth.size() ? s.accepted_at_depth[d] : 0;
    CHECK((d < s.accepted_at_depth.size() ? s.accepted_at_depth[d] : 0) <= s.drafted_at_depth[d]);
  }
  CHECK(drafted == s.drafted);
  CHECK(accepted == s.accepted);
  CHECK(s.hidden_drafts_accepted <= s.hidden_drafts_verified);
  CHECK(s.hidden_drafts_verified <= s.drafted);
  CHECK(s.hidden_drafts_accepted <= s.accepted);
}

}  // namespace xsd::testing
