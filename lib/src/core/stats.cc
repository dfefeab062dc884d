#include "xsd/core/stats.h"

#include <algorithm>

namespace xsd {
namespace {
double Ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

double SpecStats::accept_rate() const { return Ratio(accepted, drafted); }
double SpecStats::tokens_per_target_forward() const { return Ratio(new_tokens - 1, rounds); }
double SpecStats::mean_accepted_length() const { return Ratio(accepted, rounds); }
double SpecStats::mean_accepted_length_with_bonus() const { return Ratio(accepted + bonus, rounds); }

double SpecStats::accept_rate_at_depth(int depth) const {
  const size_t i = static_cast<size_t>(depth - 1);
  if (depth < 1 || i >= drafted_at_depth.size()) return 0.0;
  return Ratio(accepted_at_depth[i], drafted_at_depth[i]);
}

void SpecStats::RecordDraftDepth(int depth, bool was_accepted) {
  const size_t i = static_cast<size_t>(depth - 1);
  if (drafted_at_depth.size() <= i) {
    drafted_at_depth.resize(i + 1, 0);
    accepted_at_depth.resize(i + 1, 0);
  }
  ++drafted_at_depth[i];
  if (was_accepted) ++accepted_at_depth[i];
}

void SpecStats::Merge(const SpecStats& o) {
  new_tokens += o.new_tokens;
  target_forwards += o.target_forwards;
  rounds += o.rounds;
  drafted += o.drafted;
  accepted += o.accepted;
  bonus += o.bonus;
  const size_t n = std::max(drafted_at_depth.size(), o.drafted_at_depth.size());
  drafted_at_depth.resize(n, 0);
  accepted_at_depth.resize(n, 0);
  for (size_t i = 0; i < o.drafted_at_depth.size(); ++i) {
    drafted_at_depth[i] += o.drafted_at_depth[i];
    accepted_at_depth[i] += o.accepted_at_depth[i];
  }
  free_tokens += o.free_tokens;
  hidden_drafts_verified += o.hidden_drafts_verified;
  hidden_drafts_accepted += o.hidden_drafts_accepted;
  overlap_ms += o.overlap_ms;
  gap_ms += o.gap_ms;
}

}  // namespace xsd
