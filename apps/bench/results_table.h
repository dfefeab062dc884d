// The results table printed to stdout at the end of a run (and at the top of
// the markdown report): one row per config.
#pragma once

#include <string>

#include "summary.h"

namespace xsd::bench {

// Fixed-width text: config, n, prefill ms, decode ms, total ms, accept %,
// tokens/forward, speedup (mean of per-sample ratios), model's prediction.
std::string ResultsTable(const RunSummary& summary);

// "1.23x", or "---" when absent.
std::string FormatSpeedup(const std::optional<double>& speedup);

}  // namespace xsd::bench
