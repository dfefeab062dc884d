#include "summary.h"

#include <algorithm>
#include <cmath>

namespace xsd::bench {
namespace {

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

void Add(MeanMetrics& m, const SampleMetrics& s) {
  m.total_ms += s.total_ms;
  m.prefill_phase_ms += s.prefill_phase_ms;
  m.decode_phase_ms += s.decode_phase_ms;
  m.vision_ms += s.vision_ms;
  m.llm_prefill_ms += s.llm_prefill_ms;
  m.target_prefill_ms += s.target_prefill_ms;
  m.ttft_ms += s.ttft_ms;
  m.tpot_ms += s.tpot_ms;
  m.drafter_prefill_ms += s.drafter_prefill_ms;
  m.drafter_vision_ms += s.drafter_vision_ms;
  m.hidden_draft_ms += s.hidden_draft_ms;
  m.adapter_ms += s.adapter_ms;
  m.overlap_ms += s.overlap_ms;
  m.gap_ms += s.gap_ms;
  m.free_tokens += static_cast<double>(s.free_tokens);
  m.hidden_verified += static_cast<double>(s.hidden_verified);
  m.hidden_accepted += static_cast<double>(s.hidden_accepted);
  m.hidden_verify_ms += s.hidden_verify_ms;
  m.decode_rounds += static_cast<double>(s.decode_rounds);
  m.decode_verify_ms += s.decode_verify_ms;
  m.decode_draft_ms += s.decode_draft_ms;
  m.target_verify_ms += s.target_verify_ms;
  m.n_tokens += static_cast<double>(s.n_tokens);
  m.drafted += static_cast<double>(s.drafted);
  m.accepted += static_cast<double>(s.accepted);
  m.rounds += static_cast<double>(s.rounds);
}

void Scale(MeanMetrics& m, double k) {
  for (double* f : {&m.total_ms, &m.prefill_phase_ms, &m.decode_phase_ms, &m.vision_ms, &m.llm_prefill_ms,
                    &m.target_prefill_ms, &m.ttft_ms, &m.tpot_ms, &m.drafter_prefill_ms, &m.drafter_vision_ms,
                    &m.hidden_draft_ms, &m.adapter_ms, &m.overlap_ms, &m.gap_ms, &m.free_tokens, &m.hidden_verified,
                    &m.hidden_accepted, &m.hidden_verify_ms, &m.decode_rounds, &m.decode_verify_ms,
                    &m.decode_draft_ms, &m.target_verify_ms, &m.n_tokens, &m.drafted, &m.accepted, &m.rounds}) {
    *f *= k;
  }
}

CostModel ModelOf(const ConfigSummary& c, double samples_with_hidden_round) {
  const MeanMetrics& m = c.mean;
  CostModel model;
  model.prefill_ms = m.prefill_phase_ms;
  model.hidden_drafts = m.hidden_verified;
  // Vh per sample that had a hidden round.
  model.hidden_verify_ms = samples_with_hidden_round > 0 ? m.hidden_verify_ms * c.n / samples_with_hidden_round : 0.0;
  model.n_tokens = m.n_tokens;
  model.gamma = c.gamma;
  model.verify_ms = m.decode_rounds > 0 ? m.decode_verify_ms / m.decode_rounds : 0.0;
  model.draft_ms = m.decode_rounds > 0 ? m.decode_draft_ms / m.decode_rounds : 0.0;
  const double modelled = m.prefill_phase_ms + m.hidden_verify_ms + m.decode_verify_ms + m.decode_draft_ms;
  model.overhead_ms = m.total_ms - modelled;
  return model;
}

}  // namespace

const ConfigSummary* RunSummary::Find(const std::string& name) const {
  for (const ConfigSummary& c : configs) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<const SampleRecord*> RecordsOf(const std::vector<SampleRecord>& records, const std::string& config) {
  std::vector<const SampleRecord*> out;
  for (const SampleRecord& r : records) {
    if (r.config == config) out.push_back(&r);
  }
  return out;
}

std::map<std::string, const SampleRecord*> ById(const std::vector<const SampleRecord*>& records) {
  std::map<std::string, const SampleRecord*> by_id;
  for (const SampleRecord* r : records) by_id[r->id] = r;
  return by_id;
}

Divergence FirstDivergence(const GenerationResult& baseline, const GenerationResult& config) {
  Divergence d;
  const auto& a = baseline.tokens;
  const auto& b = config.tokens;
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  d.matching_fraction = a.empty() ? 1.0 : static_cast<double>(common) / static_cast<double>(a.size());
  if (common == a.size() && common == b.size()) return d;
  d.at = static_cast<int>(common);
  auto known = [common](const std::vector<float>& m) -> std::optional<double> {
    if (common < m.size() && !std::isnan(m[common])) return m[common];
    return std::nullopt;
  };
  d.baseline_margin = known(baseline.margins);
  d.margin = known(config.margins);
  return d;
}

RunSummary Summarize(const std::vector<SampleRecord>& records, const std::vector<ConfigFacts>& configs,
                     const std::string& baseline) {
  RunSummary run;
  run.baseline = baseline;
  const auto baseline_by_id = ById(RecordsOf(records, baseline));
  for (const ConfigFacts& facts : configs) {
    ConfigSummary c;
    c.name = facts.name;
    c.gamma = facts.gamma;
    c.speculative = facts.speculative;
    const std::vector<const SampleRecord*> mine = RecordsOf(records, facts.name);
    c.n = static_cast<int>(mine.size());
    std::vector<double> totals, prefills, speedups;
    double accepted = 0, drafted = 0, emitted_after_first = 0, rounds = 0, hidden_rounds = 0;
    double speedup_sum = 0, bl_total = 0, bl_tpot = 0, paired_total = 0;
    double prefix_sum = 0;
    std::vector<double> margins;
    for (const SampleRecord* r : mine) {
      for (float v : r->result.margins) {
        if (!std::isnan(v)) margins.push_back(v);
      }
      const SampleMetrics m = MetricsOf(*r);
      Add(c.mean, m);
      totals.push_back(m.total_ms);
      prefills.push_back(m.prefill_phase_ms);
      accepted += static_cast<double>(m.accepted);
      drafted += static_cast<double>(m.drafted);
      emitted_after_first += static_cast<double>(std::max<int64_t>(0, m.n_tokens - 1));
      rounds += static_cast<double>(m.rounds);
      hidden_rounds += m.hidden_verified > 0 ? 1 : 0;
      auto b = baseline_by_id.find(r->id);
      if (b != baseline_by_id.end() && m.total_ms > 0) {
        const SampleMetrics bm = MetricsOf(*b->second);
        ++c.paired;
        c.matches_baseline += b->second->result.tokens == r->result.tokens ? 1 : 0;
        const Divergence d = FirstDivergence(b->second->result, r->result);
        prefix_sum += d.matching_fraction;
        if (d.at >= 0) {
          if (d.baseline_margin.has_value()) c.baseline_margins_at_divergence.push_back(*d.baseline_margin);
          if (d.margin.has_value()) c.margins_at_divergence.push_back(*d.margin);
        }
        speedup_sum += bm.total_ms / m.total_ms;
        speedups.push_back(bm.total_ms / m.total_ms);
        bl_total += bm.total_ms;
        bl_tpot += bm.tpot_ms;
        paired_total += m.total_ms;
      }
    }
    if (c.n > 0) Scale(c.mean, 1.0 / c.n);
    c.median_total_ms = Percentile(totals, 0.5);
    c.p90_total_ms = Percentile(totals, 0.9);
    c.median_prefill_ms = Percentile(prefills, 0.5);
    c.accept_rate = drafted > 0 ? accepted / drafted : 0.0;
    c.tokens_per_forward = rounds > 0 ? emitted_after_first / rounds : 0.0;
    if (!margins.empty()) c.median_margin = Percentile(margins, 0.5);
    if (c.paired > 0) {
      c.matching_prefix = prefix_sum / c.paired;
      c.baseline_total_ms = bl_total / c.paired;
      c.baseline_tpot_ms = bl_tpot / c.paired;
      c.speedup_mean = speedup_sum / c.paired;
      c.speedup_of_means = paired_total > 0 ? bl_total / paired_total : 0.0;
      if (c.paired > 1) {
        double ss = 0;
        for (double v : speedups) ss += (v - *c.speedup_mean) * (v - *c.speedup_mean);
        c.speedup_ci95 = 1.96 * std::sqrt(ss / (c.paired - 1)) / std::sqrt(static_cast<double>(c.paired));
      }
    }
    if (c.n > 0) {
      c.model = ModelOf(c, hidden_rounds);
      c.fitted_acceptance = FitAcceptance(c.model, c.mean.accepted);
      const double t = c.model.TotalMs(c.fitted_acceptance);
      if (c.paired > 0 && t > 0) c.predicted_speedup = c.baseline_total_ms / t;
    }
    run.configs.push_back(std::move(c));
  }
  return run;
}

}  // namespace xsd::bench
