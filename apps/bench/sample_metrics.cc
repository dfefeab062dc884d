#include "sample_metrics.h"

#include <algorithm>

namespace xsd::bench {

SampleMetrics MetricsOf(const SampleRecord& record) {
  const GenerationResult& r = record.result;
  const PhaseTimes& t = r.times;
  const SpecStats& s = r.stats;
  SampleMetrics m;
  m.total_ms = t.total_ms;
  m.target_prefill_ms = t.target_prefill_ms;
  m.prefill_phase_ms = std::min(t.total_ms, t.target_prefill_ms + t.sync_ms);
  m.decode_phase_ms = t.total_ms - m.prefill_phase_ms;
  m.vision_ms = r.target_prefill.media_ms + r.target_prefill.vision_ms;
  m.llm_prefill_ms = std::max(0.0, t.target_prefill_ms - m.vision_ms);
  m.ttft_ms = t.ttft_ms;
  m.tpot_ms = s.new_tokens > 1 ? t.decode_ms / static_cast<double>(s.new_tokens - 1) : 0.0;
  m.drafter_prefill_ms = t.drafter_prefill_ms;
  m.drafter_vision_ms = r.drafter_prefill.media_ms + r.drafter_prefill.vision_ms;
  m.overlap_ms = s.overlap_ms;
  m.gap_ms = s.gap_ms;
  m.free_tokens = s.free_tokens;
  m.hidden_verified = s.hidden_drafts_verified;
  m.hidden_accepted = s.hidden_drafts_accepted;
  m.target_verify_ms = t.verify_ms;
  m.n_tokens = s.new_tokens;
  m.drafted = s.drafted;
  m.accepted = s.accepted;
  m.rounds = s.rounds;
  m.accept_rate = s.accept_rate();
  m.tokens_per_forward = s.tokens_per_target_forward();

  // Split the timeline at the end of the prefill phase.
  double draft_total = 0;
  bool hidden_round_seen = false;
  for (const TimelineEvent& e : r.timeline) {
    const double d = e.end_ms - e.start_ms;
    if (e.lane == "drafter" && e.phase == "adapter") {
      m.adapter_ms += d;
    } else if (e.lane == "drafter" && e.phase == "draft") {
      if (e.start_ms < m.prefill_phase_ms) {
        m.hidden_draft_ms += d;
      } else {
        draft_total += d;
      }
    } else if (e.lane == "target" && (e.phase == "verify" || e.phase == "decode")) {
      // The first round after a prefill with hidden drafts verifies them.
      if (m.hidden_verified > 0 && !hidden_round_seen) {
        hidden_round_seen = true;
        m.hidden_verify_ms = d;
      } else {
        m.decode_verify_ms += d;
        ++m.decode_rounds;
      }
    }
  }
  m.decode_draft_ms = draft_total;
  return m;
}

}  // namespace xsd::bench
