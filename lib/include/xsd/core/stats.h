// Generation statistics, identical for every scheduler. The definitions are in
// docs/metrics.md; the comments here are the short form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xsd {

// Milliseconds of wall-clock time per phase, summed over one request.
struct PhaseTimes {
  double target_prefill_ms = 0;   // target Prefill call (media + vision + LLM)
  double drafter_prefill_ms = 0;  // drafter Begin (its own prefill, if any)
  double draft_ms = 0;            // drafter Propose calls
  double verify_ms = 0;           // target Verify calls (forward + argmax/logits readback)
  double accept_ms = 0;           // acceptance + target Commit + drafter Observe
  double sync_ms = 0;             // waiting on the other thread/device (joins)
  double decode_ms = 0;           // first token emitted -> last token emitted
  double total_ms = 0;            // Generate() wall time
  double ttft_ms = 0;             // Generate() start -> first token known
};

struct SpecStats {
  int64_t new_tokens = 0;         // tokens emitted (the prefill's token included)
  int64_t target_forwards = 0;    // Prefill + Verify calls
  int64_t rounds = 0;             // Verify calls (decode-phase target forwards)
  int64_t drafted = 0;            // draft nodes sent to verification
  int64_t accepted = 0;           // draft nodes accepted
  int64_t bonus = 0;              // tokens taken from the target in rounds (one per round)
  // Per draft depth d (index d-1): nodes at that depth verified / accepted.
  std::vector<int64_t> drafted_at_depth;
  std::vector<int64_t> accepted_at_depth;
  // Prefill hiding.
  int64_t free_tokens = 0;        // drafts finished before the target's prefill ended
  int64_t hidden_drafts_verified = 0;  // of those, sent to the first verification
  int64_t hidden_drafts_accepted = 0;
  double overlap_ms = 0;          // drafter busy time inside the target's prefill window
  double gap_ms = 0;              // target idle while waiting for the drafter after its prefill

  // Derived (0 when the denominator is 0).
  double accept_rate() const;                 // accepted / drafted
  double tokens_per_target_forward() const;   // (new_tokens - 1) / rounds
  double mean_accepted_length() const;        // accepted / rounds
  double mean_accepted_length_with_bonus() const;  // (accepted + bonus) / rounds
  double accept_rate_at_depth(int depth) const;    // depth >= 1

  void RecordDraftDepth(int depth, bool accepted);
  void Merge(const SpecStats& other);
};

// One span of work on a lane ("target", "drafter"), relative to the start of
// Generate(), for the prefill-hiding timeline chart.
struct TimelineEvent {
  std::string lane;
  std::string phase;   // "prefill", "vision", "draft", "verify", "decode", "idle"
  double start_ms = 0;
  double end_ms = 0;
  int tokens = 0;      // tokens produced in this span
  int accepted = 0;    // of those, accepted by the target (draft spans)
};

}  // namespace xsd
