// Per-config aggregates of a run, computed from the JSON lines records alone
// (so a resumed or merged run reports exactly like an uninterrupted one).
// Speedups pair each sample with the baseline's result for the same request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cost_model.h"
#include "record.h"
#include "sample_metrics.h"

namespace xsd::bench {

// Means over a config's samples (counts as means too).
struct MeanMetrics {
  double total_ms = 0, prefill_phase_ms = 0, decode_phase_ms = 0, vision_ms = 0, llm_prefill_ms = 0;
  double target_prefill_ms = 0, ttft_ms = 0, tpot_ms = 0;
  double drafter_prefill_ms = 0, drafter_vision_ms = 0, hidden_draft_ms = 0, adapter_ms = 0, overlap_ms = 0, gap_ms = 0;
  double free_tokens = 0, hidden_verified = 0, hidden_accepted = 0, hidden_verify_ms = 0;
  double decode_rounds = 0, decode_verify_ms = 0, decode_draft_ms = 0, target_verify_ms = 0;
  double n_tokens = 0, drafted = 0, accepted = 0, rounds = 0;
};

struct ConfigSummary {
  std::string name;
  int gamma = 0;                  // scheduler.gamma as run (0: no decode-phase drafting)
  bool speculative = false;       // drafts at all (a drafter is configured)
  int n = 0;                      // samples
  MeanMetrics mean;
  double median_total_ms = 0;
  double p90_total_ms = 0;
  // The prefill phase's median: the mean carries one-off costs (the first
  // request at a new prompt length paid ~70 ms more in docs/PERFORMANCE.md
  // run 10).
  double median_prefill_ms = 0;
  double accept_rate = 0;         // pooled: sum accepted / sum drafted
  double tokens_per_forward = 0;  // pooled: sum (n_tokens - 1) / sum rounds
  // Against the baseline (paired samples only).
  int paired = 0;
  int matches_baseline = 0;       // outputs token-identical to the baseline's
  // Reproducibility (greedy runs): how far outputs agree with the baseline's.
  double matching_prefix = 0;     // mean over paired samples: common prefix / baseline length
  // At each first divergence, the top-1 minus top-2 logit the baseline's and
  // this config's target saw on that position (known ones only): a near-tie
  // (margin at the dtype's rounding) is numerics, a clear margin is a bug.
  std::vector<double> baseline_margins_at_divergence, margins_at_divergence;
  std::optional<double> median_margin;  // over every token this config emitted (for scale)
  double baseline_total_ms = 0;   // mean baseline total over the paired samples
  double baseline_tpot_ms = 0;    // mean baseline per-token decode latency, paired
  std::optional<double> speedup_mean;      // mean of per-sample (baseline total / total)
  std::optional<double> speedup_of_means;  // baseline mean total / mean total
  double speedup_ci95 = 0;                 // half-width of the 95% interval of speedup_mean (normal approx.)
  // Cost model (cost_model.h), with this config's measured costs.
  CostModel model;
  double fitted_acceptance = 0;            // per-position a reproducing the measured accepted count
  std::optional<double> predicted_speedup; // baseline_total_ms / model.TotalMs(fitted_acceptance)
};

// Where `config`'s output first parts from `baseline`'s: at = -1 when they
// are identical; matching_fraction = common prefix / baseline length (1 when
// the baseline is empty); the margins each run recorded at that position.
struct Divergence {
  int at = -1;
  double matching_fraction = 1;
  std::optional<double> baseline_margin, margin;
};
Divergence FirstDivergence(const GenerationResult& baseline, const GenerationResult& config);

struct RunSummary {
  std::string baseline;
  std::vector<ConfigSummary> configs;  // in `order`
  const ConfigSummary* Find(const std::string& name) const;
  const ConfigSummary* Baseline() const { return Find(baseline); }
};

// `order`: config names in report order (baseline first); `gammas`: each
// config's scheduler.gamma, `speculative`: whether it has a drafter.
struct ConfigFacts {
  std::string name;
  int gamma = 0;
  bool speculative = false;
};
RunSummary Summarize(const std::vector<SampleRecord>& records, const std::vector<ConfigFacts>& configs,
                     const std::string& baseline);

// Records of one config, and the baseline's by request id.
std::vector<const SampleRecord*> RecordsOf(const std::vector<SampleRecord>& records, const std::string& config);
std::map<std::string, const SampleRecord*> ById(const std::vector<const SampleRecord*>& records);

}  // namespace xsd::bench
