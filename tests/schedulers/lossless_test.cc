// The golden property: greedy speculative output equals the target's greedy
// autoregressive output token for token, and after every round the target's
// KV cache holds exactly what the autoregressive run's cache holds.
#include <memory>
#include <string>

#include "support/reference.h"
#include "xsd/base/rng.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// Forwards to a MockVerifier and checks the cache after every Prefill and
// Commit against the autoregressive cache of the reference output: keys are
// prompt + output[0 .. n-1) and values the context hash of each prefix.
class CheckingVerifier final : public Verifier {
 public:
  CheckingVerifier(std::unique_ptr<MockVerifier> inner, std::vector<TokenId> prompt, std::vector<TokenId> reference)
      : inner_(std::move(inner)), prompt_(std::move(prompt)), reference_(std::move(reference)) {}

  const ModelInfo& info() const override { return inner_->info(); }
  absl::StatusOr<TargetOutput> Prefill(const Request& r, const OutputRequest& o) override {
    auto out = inner_->Prefill(r, o);
    Check();
    return out;
  }
  absl::StatusOr<TargetOutput> Verify(TokenId pending, const Draft& d, const OutputRequest& o) override {
    return inner_->Verify(pending, d, o);
  }
  absl::Status Commit(absl::Span<const int32_t> kept) override {
    absl::Status s = inner_->Commit(kept);
    Check();
    ++commits_;
    return s;
  }
  int cache_length() const override { return inner_->cache_length(); }
  const PrefillBreakdown& prefill_breakdown() const override { return inner_->prefill_breakdown(); }

  int mismatches() const { return mismatches_; }
  int commits() const { return commits_; }
  const ScriptedLm& lm() const { return inner_->lm(); }
  MockVerifier* inner() { return inner_.get(); }

 private:
  void Check() {
    const ScriptedLm& lm = inner_->lm();
    const int n = lm.cache().length();
    std::vector<TokenId> expected = prompt_;
    for (size_t i = 0; expected.size() < static_cast<size_t>(n) && i < reference_.size(); ++i) {
      expected.push_back(reference_[i]);
    }
    const std::vector<TokenId> actual = lm.CommittedTokens();
    if (actual != expected) {
      ++mismatches_;
      return;
    }
    const int64_t* values = lm.cache().all_values().data_ptr<int64_t>();
    uint64_t h = lm.EmptyContextHash();
    for (int i = 0; i < n; ++i) {
      h = ScriptedLm::ExtendHash(h, expected[i]);
      if (static_cast<uint64_t>(values[i]) != h) {
        ++mismatches_;
        return;
      }
    }
  }

  std::unique_ptr<MockVerifier> inner_;
  std::vector<TokenId> prompt_, reference_;
  int mismatches_ = 0;
  int commits_ = 0;
};

struct Case {
  ScriptedLmOptions target;
  std::string drafter_kind;  // "scripted" or "noisy_oracle"
  ScriptedLmOptions drafter;
  double agreement = 0.5;
  std::string scheduler;
  SchedulerOptions options;
  std::vector<TokenId> prompt;
};

Case RandomCase(Rng& rng) {
  static const int kVocab[] = {2, 3, 5, 16, 64};
  Case c;
  const int vocab = kVocab[rng.Below(5)];
  c.target.vocab_size = vocab;
  c.target.seed = rng.NextU64();
  c.target.logit_levels = static_cast<int>(rng.Below(4)) == 0 ? 2 : (rng.Below(3) == 0 ? 3 : 0);  // ties
  c.target.eos_token = rng.Below(2) == 0 ? -1 : static_cast<int>(rng.Below(vocab));
  const int prompt_len = 1 + static_cast<int>(rng.Below(10));
  c.target.max_seq_len = rng.Below(5) == 0 ? prompt_len + 1 + static_cast<int>(rng.Below(12)) : 512;
  for (int i = 0; i < prompt_len; ++i) c.prompt.push_back(static_cast<TokenId>(rng.Below(vocab)));

  c.drafter_kind = rng.Below(4) == 0 ? "noisy_oracle" : "scripted";
  c.drafter = c.target;
  c.drafter.max_seq_len = rng.Below(6) == 0 ? prompt_len + 4 : 512;
  static const float kNoise[] = {0.0f, 0.2f, 0.5f, 1.0f};
  c.drafter.noise = kNoise[rng.Below(4)];
  if (rng.Below(5) == 0) c.drafter.seed = rng.NextU64();  // an unrelated drafter
  c.agreement = rng.Below(4) * 0.33;

  static const char* kSchedulers[] = {"autoregressive", "speculative", "speculative", "prefill_hiding"};
  c.scheduler = kSchedulers[rng.Below(4)];
  c.options.max_new_tokens = 1 + static_cast<int>(rng.Below(40));
  c.options.gamma = static_cast<int>(rng.Below(9));  // 0..8
  if (c.drafter_kind == "scripted" && rng.Below(3) == 0) {
    c.options.tree = TreeSpec{1 + static_cast<int>(rng.Below(4)), 1 + static_cast<int>(rng.Below(5)),
                              1 + static_cast<int>(rng.Below(20))};
  }
  c.options.max_free_tokens = static_cast<int>(rng.Below(12));
  c.options.concurrent = rng.Below(8) == 0;
  c.options.gate_on_first_draft = rng.Below(2) == 0;
  c.options.seed = rng.NextU64();
  return c;
}

TEST_CASE("Greedy SD equals greedy AR over 10000 random cases, caches included", "[lossless]") {
  Rng rng(20261128);
  auto greedy = MakeGreedyAcceptance();
  int total = 0, with_drafts = 0, trees = 0, eos_endings = 0, cache_full = 0, gamma_zero = 0, hiding = 0;
  int64_t accepted_total = 0;
  for (int i = 0; i < 10000; ++i) {
    const Case c = RandomCase(rng);
    auto target_lm = ScriptedLm::Create(c.target);
    REQUIRE(target_lm.ok());
    const std::vector<TokenId> reference = testing::ReferenceGreedy(**target_lm, c.prompt, c.options.max_new_tokens);

    auto inner = MockVerifier::Create(c.target);
    REQUIRE(inner.ok());
    CheckingVerifier target(std::move(inner).value(), c.prompt, reference);
    std::unique_ptr<Drafter> drafter;
    if (c.drafter_kind == "scripted") {
      auto d = ScriptedDrafter::Create(c.drafter);
      REQUIRE(d.ok());
      drafter = std::move(d).value();
    } else {
      NoisyOracleOptions o;
      o.agreement = c.agreement;
      auto d = NoisyOracleDrafter::Create(o, MakeScriptedOracle(&target.lm()), target.info());
      REQUIRE(d.ok());
      drafter = std::move(d).value();
    }
    absl::StatusOr<std::unique_ptr<Scheduler>> sched;
    if (c.scheduler == "autoregressive") {
      sched = MakeAutoregressiveScheduler(&target, greedy.get(), c.options);
    } else if (c.scheduler == "speculative") {
      sched = MakeSpeculativeScheduler(&target, drafter.get(), greedy.get(), c.options);
    } else {
      sched = MakePrefillHidingScheduler(&target, drafter.get(), nullptr, greedy.get(), c.options);
    }
    REQUIRE(sched.ok());
    Request request;
    request.id = std::to_string(i);
    request.prompt_tokens = c.prompt;
    auto result = (*sched)->Generate(request);
    INFO("case " << i << " scheduler " << c.scheduler << " drafter " << c.drafter_kind << " gamma "
                 << c.options.gamma << " tree " << c.options.tree.has_value() << " vocab " << c.target.vocab_size);
    INFO("status " << result.status().ToString());
    REQUIRE(result.ok());
    REQUIRE(result->tokens == reference);
    REQUIRE(target.mismatches() == 0);
    // Statistics add up: every emitted token is the prefill's, an accepted draft, or a bonus.
    REQUIRE(result->stats.new_tokens == 1 + result->stats.accepted + result->stats.bonus);
    REQUIRE(result->stats.rounds == result->stats.target_forwards - 1);
    REQUIRE(result->stats.accepted <= result->stats.drafted);

    ++total;
    with_drafts += result->stats.drafted > 0;
    accepted_total += result->stats.accepted;
    trees += c.options.tree.has_value() && c.scheduler != "autoregressive";
    eos_endings += result->finish == FinishReason::kEos && result->stats.drafted > 0;
    cache_full += result->finish == FinishReason::kCacheFull;
    gamma_zero += c.options.gamma == 0 && c.scheduler == "speculative";
    hiding += c.scheduler == "prefill_hiding";
  }
  CHECK(total == 10000);
  // The random cases really covered the interesting corners.
  CHECK(with_drafts > 4000);
  CHECK(accepted_total > 20000);
  CHECK(trees > 800);
  CHECK(eos_endings > 300);
  CHECK(cache_full > 100);
  CHECK(gamma_zero > 200);
  CHECK(hiding > 1500);
}

// Greedy speculative decoding of `prompt` against `target` with a drafter
// that always proposes the target's own tokens (a noisy oracle at agreement 1).
GenerationResult GenerateWithPerfectDrafter(CheckingVerifier& target, const std::vector<TokenId>& prompt, int gamma,
                                            int max_new_tokens) {
  NoisyOracleOptions o;
  o.agreement = 1.0;
  auto drafter = NoisyOracleDrafter::Create(o, MakeScriptedOracle(&target.lm()), target.info());
  REQUIRE(drafter.ok());
  auto greedy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.gamma = gamma;
  so.max_new_tokens = max_new_tokens;
  auto sched = MakeSpeculativeScheduler(&target, drafter->get(), greedy.get(), so);
  REQUIRE(sched.ok());
  Request r;
  r.prompt_tokens = prompt;
  auto res = (*sched)->Generate(r);
  INFO(res.status().ToString());
  REQUIRE(res.ok());
  return *std::move(res);
}

TEST_CASE("A draft accepted past max_new_tokens is cut, and the cache matches AR", "[lossless]") {
  ScriptedLmOptions t;
  t.vocab_size = 16;
  t.seed = 3;
  auto inner = MockVerifier::Create(t);
  REQUIRE(inner.ok());
  const std::vector<TokenId> prompt = {1, 2, 3};
  const std::vector<TokenId> reference = testing::ReferenceGreedy((*inner)->lm(), prompt, 5);
  CheckingVerifier target(std::move(inner).value(), prompt, reference);
  // A perfect drafter and gamma 8 > the 4 tokens left after the prefill's.
  const GenerationResult res = GenerateWithPerfectDrafter(target, prompt, /*gamma=*/8, /*max_new_tokens=*/5);
  CHECK(res.tokens == reference);
  CHECK(res.stats.rounds == 1);
  CHECK(res.stats.accepted == 4);
  CHECK(res.stats.bonus == 0);  // the bonus token fell past the budget
  CHECK(target.cache_length() == 3 + 4);  // prompt + all output but the last token
  CHECK(target.mismatches() == 0);
}

TEST_CASE("EOS inside an accepted draft ends the request there", "[lossless]") {
  ScriptedLmOptions t;
  t.vocab_size = 16;
  t.seed = 77;
  const std::vector<TokenId> prompt = {4, 4};
  auto probe = ScriptedLm::Create(t);
  REQUIRE(probe.ok());
  // Make the target's third greedy token its EOS.
  const std::vector<TokenId> free_run = testing::ReferenceGreedy(**probe, prompt, 3);
  t.eos_token = free_run[2];
  auto inner = MockVerifier::Create(t);
  REQUIRE(inner.ok());
  const std::vector<TokenId> reference = testing::ReferenceGreedy((*inner)->lm(), prompt, 20);
  REQUIRE(reference.back() == t.eos_token);
  CheckingVerifier target(std::move(inner).value(), prompt, reference);
  const GenerationResult res = GenerateWithPerfectDrafter(target, prompt, /*gamma=*/6, /*max_new_tokens=*/20);
  CHECK(res.tokens == reference);
  CHECK(res.finish == FinishReason::kEos);
  CHECK(target.mismatches() == 0);
}

}  // namespace
}  // namespace xsd
