// The quantities the reports show, derived from one SampleRecord. Every
// report (JSON research keys, markdown, charts, stdout table) reads them from
// here, so each is defined exactly once; docs/bench.md lists the definitions.
#pragma once

#include <cstdint>

#include "record.h"

namespace xsd::bench {

struct SampleMetrics {
  // Wall clock (ms). prefill_phase + decode_phase = total.
  double total_ms = 0;          // Generate() wall time
  double prefill_phase_ms = 0;  // start -> both lanes joined: target prefill + wait for the drafter lane
  double decode_phase_ms = 0;   // the rest: hidden-draft verification + decode rounds
  double vision_ms = 0;         // target media + vision tower (inside its prefill)
  double llm_prefill_ms = 0;    // target prefill minus vision
  double target_prefill_ms = 0; // target Prefill call
  double ttft_ms = 0;           // start -> first token known
  double tpot_ms = 0;           // first -> last token, per later token (0 with one token)
  // Drafter lane (prefill hiding).
  double drafter_prefill_ms = 0;
  double drafter_vision_ms = 0;
  double hidden_draft_ms = 0;   // drafting while the target prefilled (drafter "draft" spans in the prefill phase)
  double adapter_ms = 0;        // drafter-lane "adapter" spans (a sequence adapter re-mapping the hidden drafts)
  double overlap_ms = 0;
  double gap_ms = 0;
  int64_t free_tokens = 0;
  int64_t hidden_verified = 0;
  int64_t hidden_accepted = 0;
  double hidden_verify_ms = 0;  // the one verification of the hidden drafts (0 when none)
  // Decode phase, hidden verification excluded.
  int64_t decode_rounds = 0;
  double decode_verify_ms = 0;  // target verify + accept/commit time of those rounds
  double decode_draft_ms = 0;   // drafting time of those rounds
  double target_verify_ms = 0;  // all target Verify calls (PhaseTimes::verify_ms)
  // Counts.
  int64_t n_tokens = 0;
  int64_t drafted = 0;
  int64_t accepted = 0;
  int64_t rounds = 0;
  double accept_rate = 0;        // accepted / drafted
  double tokens_per_forward = 0; // (n_tokens - 1) / rounds
};

SampleMetrics MetricsOf(const SampleRecord& record);

}  // namespace xsd::bench
