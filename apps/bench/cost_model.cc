#include "cost_model.h"

#include <algorithm>
#include <cmath>

namespace xsd::bench {

double CostModel::HiddenTokens(double a) const {
  if (hidden_drafts <= 0) return 0;
  // sum_{k=1..F} a^k with a fractional mean F: the geometric closed form.
  const double accepted = a >= 1.0 ? hidden_drafts : a * (1.0 - std::pow(a, hidden_drafts)) / (1.0 - a);
  return 1.0 + accepted;
}

double CostModel::TokensPerRound(double a) const {
  if (gamma <= 0) return 1.0;
  if (a >= 1.0) return gamma + 1.0;
  return (1.0 - std::pow(a, gamma + 1)) / (1.0 - a);
}

double CostModel::DecodeRounds(double a) const {
  const double left = std::max(0.0, n_tokens - 1.0 - HiddenTokens(a));
  return left / TokensPerRound(a);
}

double CostModel::AcceptedTokens(double a) const {
  const double hidden = std::min(std::max(0.0, HiddenTokens(a) - 1.0), std::max(0.0, n_tokens - 1.0));
  return hidden + DecodeRounds(a) * (TokensPerRound(a) - 1.0);
}

double CostModel::TotalMs(double a) const {
  return prefill_ms + (hidden_drafts > 0 ? hidden_verify_ms : 0.0) + DecodeRounds(a) * (verify_ms + draft_ms) +
         overhead_ms;
}

double FitAcceptance(const CostModel& model, double accepted) {
  if (accepted <= model.AcceptedTokens(0.0)) return 0.0;
  if (accepted >= model.AcceptedTokens(1.0)) return 1.0;
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (model.AcceptedTokens(mid) < accepted ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace xsd::bench
