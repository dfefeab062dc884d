#include "results_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace xsd::bench {

std::string FormatSpeedup(const std::optional<double>& speedup) {
  return speedup.has_value() ? absl::StrFormat("%.2fx", *speedup) : "---";
}

std::string ResultsTable(const RunSummary& summary) {
  size_t width = 6;
  for (const ConfigSummary& c : summary.configs) width = std::max(width, c.name.size());
  const int w = static_cast<int>(width);
  std::string out = absl::StrFormat("%-*s %5s %11s %10s %10s %9s %9s %8s %10s\n", w, "config", "n", "prefill ms",
                                    "decode ms", "total ms", "accept %", "tok/fwd", "speedup", "predicted");
  out += std::string(out.size() - 1, '-') + "\n";
  for (const ConfigSummary& c : summary.configs) {
    const std::string accept = c.speculative ? absl::StrFormat("%.1f", 100.0 * c.accept_rate) : "---";
    absl::StrAppendFormat(&out, "%-*s %5d %11.1f %10.1f %10.1f %9s %9.2f %8s %10s\n", w, c.name, c.n,
                          c.mean.prefill_phase_ms, c.mean.decode_phase_ms, c.mean.total_ms, accept,
                          c.tokens_per_forward, FormatSpeedup(c.speedup_mean), FormatSpeedup(c.predicted_speedup));
  }
  return out;
}

}  // namespace xsd::bench
