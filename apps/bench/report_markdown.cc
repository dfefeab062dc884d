#include "report_markdown.h"

#include "absl/strings/str_cat.h"
#include "report.h"
#include "results_table.h"

namespace xsd::bench {

std::string ReportMarkdown(const ReportInput& input, const RunSummary& summary, const std::vector<std::string>& charts) {
  return absl::StrCat("# E2E wall-clock benchmark ", input.timestamp, "\n\n```\n", ResultsTable(summary), "```\n");
}

}  // namespace xsd::bench
