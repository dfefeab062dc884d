// The four PNG charts of a report, drawn with our own code on OpenCV
// primitives (chart_canvas.h): speedup per config, three-stage timing
// breakdown, acceptance rate per config, and one sample's prefill-hiding
// timeline.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "summary.h"

namespace xsd::bench {

struct ReportInput;

// Writes the charts into `output_dir`; returns their paths (the timeline is
// skipped when no config hides a prefill).
absl::StatusOr<std::vector<std::string>> WriteCharts(const ReportInput& input, const RunSummary& summary,
                                                     const std::string& output_dir);

}  // namespace xsd::bench
