// Stochastic acceptance by (recursive) rejection sampling; see acceptance.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "xsd/core/acceptance.h"

namespace xsd {
namespace {

// p <- norm(max(0, p - q)). Returns false, leaving p unchanged, when nothing
// is left (p <= q everywhere: then the rejection had probability 0 and only
// rounding got us here).
bool SubtractResidual(std::vector<double>* p, absl::Span<const float> q) {
  double sum = 0.0;
  for (size_t i = 0; i < p->size(); ++i) sum += std::max(0.0, (*p)[i] - static_cast<double>(q[i]));
  if (sum <= 0.0) return false;
  for (size_t i = 0; i < p->size(); ++i) (*p)[i] = std::max(0.0, (*p)[i] - static_cast<double>(q[i])) / sum;
  return true;
}

TokenId SampleDouble(const std::vector<double>& p, Rng* rng) {
  double total = 0.0;
  for (double v : p) total += v;
  const double u = rng->Uniform() * total;
  double acc = 0.0;
  TokenId last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0.0) continue;
    acc += p[i];
    last = static_cast<TokenId>(i);
    if (u < acc) return last;
  }
  return last;
}

class StochasticAcceptance final : public AcceptancePolicy {
 public:
  explicit StochasticAcceptance(const SamplingParams& params) : params_(params) {}
  const SamplingParams& sampling() const override { return params_; }
  bool needs_target_logits() const override { return true; }

  absl::StatusOr<AcceptResult> Accept(const Draft& draft, const TargetOutput& target, Rng* rng) const override {
    if (target.rows != draft.size() + 1 || !target.has_logits()) {
      return absl::InvalidArgumentError(absl::StrCat("stochastic acceptance: target has ", target.rows,
                                                     " rows (logits: ", target.has_logits(),
                                                     ") for a draft of ", draft.size(), " nodes"));
    }
    if (draft.has_probs() && draft.vocab != target.vocab) {
      return absl::InvalidArgumentError(absl::StrCat("stochastic acceptance: draft vocab ", draft.vocab,
                                                     " != target vocab ", target.vocab));
    }
    const int vocab = target.vocab;
    AcceptResult result;
    std::vector<float> pf;
    std::vector<double> p(vocab);
    std::vector<float> point_mass;
    int32_t node = -1;
    while (true) {
      LogitsToProbs(target.Logits(node + 1), params_, &pf);
      for (int i = 0; i < vocab; ++i) p[i] = pf[i];
      int32_t accepted_child = -1;
      bool residual_left = true;
      for (int32_t child = node + 1; child < draft.size() && residual_left; ++child) {
        if (draft.parents[child] != node) continue;
        const TokenId x = draft.tokens[child];
        absl::Span<const float> q;
        if (draft.has_probs()) {
          q = draft.Probs(child);
        } else {
          point_mass.assign(vocab, 0.0f);
          point_mass[x] = 1.0f;
          q = point_mass;
        }
        const double qx = q[x];
        const double px = p[x];
        // Accept with min(1, p/q). qx == 0 cannot happen for a sampled token;
        // treat it as a certain rejection.
        const bool accept = qx > 0.0 && (px >= qx || rng->Uniform() * qx < px);
        if (accept) {
          accepted_child = child;
          break;
        }
        residual_left = SubtractResidual(&p, q);
      }
      if (accepted_child < 0) {
        result.next = SampleDouble(p, rng);
        return result;
      }
      result.path.push_back(accepted_child);
      node = accepted_child;
    }
  }

 private:
  SamplingParams params_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AcceptancePolicy>> MakeStochasticAcceptance(const SamplingParams& params) {
  absl::Status s = ValidateSamplingParams(params);
  if (!s.ok()) return s;
  if (params.greedy()) {
    return absl::InvalidArgumentError("acceptance.temperature: stochastic acceptance needs temperature > 0 (use \"greedy\")");
  }
  return std::unique_ptr<AcceptancePolicy>(new StochasticAcceptance(params));
}

}  // namespace xsd
