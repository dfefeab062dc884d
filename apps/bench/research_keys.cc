#include "research_keys.h"

#include "sample_metrics.h"

namespace xsd::bench {

nlohmann::json BaselinePerSample(const SampleRecord& b) {
  const SampleMetrics m = MetricsOf(b);
  return {{"sample", b.scene},
          {"id", b.id},
          {"question", b.question},
          {"vl_prefill_ms", m.target_prefill_ms},
          {"vl_decode_ms", m.decode_phase_ms},
          {"bl_total_ms", m.total_ms},
          {"ttft_ms", m.ttft_ms},
          {"tpot_ms", m.tpot_ms},
          {"n_tokens", m.n_tokens},
          {"text", b.text}};
}

nlohmann::json SdPerSample(const SampleRecord& r, const SampleRecord* baseline) {
  const SampleMetrics m = MetricsOf(r);
  nlohmann::json j;
  j["sample"] = r.scene;
  j["id"] = r.id;
  j["question"] = r.question;
  if (baseline != nullptr) {
    const double bl = MetricsOf(*baseline).total_ms;
    j["bl_total_ms"] = bl;
    j["speedup"] = m.total_ms > 0 ? nlohmann::json(bl / m.total_ms) : nlohmann::json();
  } else {
    j["bl_total_ms"] = nullptr;
    j["speedup"] = nullptr;
  }
  j["parallel_prefill_ms"] = m.prefill_phase_ms;
  j["egpt_prefill_ms"] = m.drafter_prefill_ms;
  j["vl_prefill_ms"] = m.target_prefill_ms;
  j["egpt_decode_ms"] = m.hidden_draft_ms;
  j["overlap_ms"] = m.overlap_ms;
  j["overlap_ratio"] = m.target_prefill_ms > 0 ? m.overlap_ms / m.target_prefill_ms : 0.0;
  j["sd_decode_ms"] = m.decode_phase_ms;
  j["sd_total_ms"] = m.total_ms;
  j["n_tokens"] = m.n_tokens;
  j["drafted"] = m.drafted;
  j["accepted"] = m.accepted;
  j["accept_rate"] = m.accept_rate;
  j["tokens_per_iter"] = m.tokens_per_forward;
  j["text"] = r.text;
  // Prefill-hiding keys (0 for configs without a hidden lane).
  j["num_free_tok"] = m.free_tokens;
  j["gap_ms"] = m.gap_ms;
  // Adapter passes timed apart (drafter-lane "adapter" spans); per-token
  // adapters run inside the draft steps and count there.
  j["adapter_ms"] = m.adapter_ms;
  j["vl_decode_ms"] = m.target_verify_ms;
  // libxsd extras.
  j["ttft_ms"] = m.ttft_ms;
  j["tpot_ms"] = m.tpot_ms;
  j["hidden_drafts_verified"] = m.hidden_verified;
  j["hidden_drafts_accepted"] = m.hidden_accepted;
  j["rounds"] = m.rounds;
  j["matches_baseline"] = baseline != nullptr ? nlohmann::json(baseline->result.tokens == r.result.tokens) : nlohmann::json();
  return j;
}

}  // namespace xsd::bench
