// The markdown summary of a run (report.h): results table, three-stage
// timing, speedup analysis in the seed document's form, and the cost model's
// accept% -> speedup table beside the measured speedups.
#pragma once

#include <string>
#include <vector>

#include "summary.h"

namespace xsd::bench {

struct ReportInput;

std::string ReportMarkdown(const ReportInput& input, const RunSummary& summary, const std::vector<std::string>& charts);

}  // namespace xsd::bench
