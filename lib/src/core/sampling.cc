#include "xsd/core/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace xsd {

absl::Status ValidateSamplingParams(const SamplingParams& params) {
  if (!(params.temperature >= 0.0f) || !std::isfinite(params.temperature)) {
    return absl::InvalidArgumentError(
        absl::StrCat("acceptance.temperature: must be a finite value >= 0, got ", params.temperature));
  }
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) {
    return absl::InvalidArgumentError(absl::StrCat("acceptance.top_p: must be in (0, 1], got ", params.top_p));
  }
  return absl::OkStatus();
}

TokenId Argmax(absl::Span<const float> values) {
  TokenId best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best]) best = static_cast<TokenId>(i);  // strict: lowest id wins ties
  }
  return best;
}

void LogitsToProbs(absl::Span<const float> logits, const SamplingParams& params, std::vector<float>* probs) {
  const size_t n = logits.size();
  probs->assign(n, 0.0f);
  if (n == 0) return;
  if (params.greedy()) {
    (*probs)[Argmax(logits)] = 1.0f;
    return;
  }
  // Softmax in double for stable, order-independent sums.
  const float max_logit = logits[Argmax(logits)];
  std::vector<double> p(n);
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    p[i] = std::exp((static_cast<double>(logits[i]) - max_logit) / params.temperature);
    sum += p[i];
  }
  for (double& v : p) v /= sum;
  if (params.top_p < 1.0f) {
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
    double mass = 0.0;
    size_t keep = 0;
    while (keep < n && mass < params.top_p) mass += p[order[keep++]];
    std::vector<double> kept(n, 0.0);
    for (size_t k = 0; k < keep; ++k) kept[order[k]] = p[order[k]] / mass;
    p.swap(kept);
  }
  for (size_t i = 0; i < n; ++i) (*probs)[i] = static_cast<float>(p[i]);
}

TokenId SampleFrom(absl::Span<const float> probs, Rng* rng) {
  double total = 0.0;
  for (float v : probs) total += v;
  const double u = rng->Uniform() * total;
  double acc = 0.0;
  TokenId last_nonzero = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0.0f) continue;
    acc += probs[i];
    last_nonzero = static_cast<TokenId>(i);
    if (u < acc) return last_nonzero;
  }
  return last_nonzero;  // rounding: u landed past the last partial sum
}

}  // namespace xsd
