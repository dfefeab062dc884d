#include "report.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "atomic_file.h"
#include "charts.h"
#include "report_markdown.h"
#include "research_keys.h"
#include "run_header.h"
#include "xsd/base/status.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

nlohmann::json OrNull(const std::optional<double>& v) { return v.has_value() ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json StageTiming(const ConfigSummary& c) {
  const MeanMetrics& m = c.mean;
  return {{"vision_ms", m.vision_ms},
          {"llm_prefill_ms", m.llm_prefill_ms},
          {"target_prefill_ms", m.target_prefill_ms},
          {"prefill_phase_ms", m.prefill_phase_ms},
          {"decode_phase_ms", m.decode_phase_ms},
          {"total_ms", m.total_ms},
          {"ttft_ms", m.ttft_ms},
          {"tpot_ms", m.tpot_ms},
          {"drafter_vision_ms", m.drafter_vision_ms},
          {"drafter_prefill_ms", m.drafter_prefill_ms},
          {"hidden_draft_ms", m.hidden_draft_ms},
          {"adapter_ms", m.adapter_ms},
          {"overlap_ms", m.overlap_ms},
          {"gap_ms", m.gap_ms},
          {"hidden_verify_ms", m.hidden_verify_ms},
          {"decode_verify_ms_per_round", c.model.verify_ms},
          {"decode_draft_ms_per_round", c.model.draft_ms}};
}

nlohmann::json Aggregate(const ConfigSummary& c) {
  const MeanMetrics& m = c.mean;
  return {{"n", c.n},
          {"paired_with_baseline", c.paired},
          {"matches_baseline", c.matches_baseline},
          {"matching_prefix", c.matching_prefix},
          {"median_margin", c.median_margin.has_value() ? nlohmann::json(*c.median_margin) : nlohmann::json()},
          {"baseline_margins_at_divergence", c.baseline_margins_at_divergence},
          {"margins_at_divergence", c.margins_at_divergence},
          {"mean_total_ms", m.total_ms},
          {"median_total_ms", c.median_total_ms},
          {"median_prefill_ms", c.median_prefill_ms},
          {"p90_total_ms", c.p90_total_ms},
          {"mean_prefill_ms", m.prefill_phase_ms},
          {"mean_decode_ms", m.decode_phase_ms},
          {"mean_ttft_ms", m.ttft_ms},
          {"mean_tpot_ms", m.tpot_ms},
          {"mean_n_tokens", m.n_tokens},
          {"mean_drafted", m.drafted},
          {"mean_accepted", m.accepted},
          {"accept_rate", c.accept_rate},
          {"tokens_per_iter", c.tokens_per_forward},
          {"mean_free_tokens", m.free_tokens},
          {"mean_rounds", m.rounds},
          {"baseline_total_ms", c.paired > 0 ? nlohmann::json(c.baseline_total_ms) : nlohmann::json()},
          {"speedup", OrNull(c.speedup_mean)},
          {"speedup_of_means", OrNull(c.speedup_of_means)},
          {"cost_model",
           {{"prefill_ms", c.model.prefill_ms},
            {"hidden_drafts", c.model.hidden_drafts},
            {"hidden_verify_ms", c.model.hidden_verify_ms},
            {"n_tokens", c.model.n_tokens},
            {"gamma", c.model.gamma},
            {"verify_ms_per_round", c.model.verify_ms},
            {"draft_ms_per_round", c.model.draft_ms},
            {"overhead_ms", c.model.overhead_ms},
            {"fitted_acceptance", c.fitted_acceptance},
            {"predicted_speedup", OrNull(c.predicted_speedup)}}}};
}

}  // namespace

std::string NowTimestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%d_%H%M%S", &local);
  return buffer;
}

std::string ReportFileStem(const std::string& name, const ReportInput& input) {
  return input.file_suffix.empty() ? absl::StrCat(name, "_", input.timestamp)
                                   : absl::StrCat(name, "_", input.timestamp, ".", input.file_suffix);
}

void SortRecords(const nlohmann::json& header, std::vector<SampleRecord>& records) {
  std::map<std::string, int> order;
  for (const ConfigFacts& f : ConfigFactsOf(header)) order.emplace(f.name, static_cast<int>(order.size()));
  auto rank = [&](const std::string& name) {
    auto it = order.find(name);
    return it == order.end() ? static_cast<int>(order.size()) : it->second;
  };
  std::stable_sort(records.begin(), records.end(), [&](const SampleRecord& a, const SampleRecord& b) {
    const int ra = rank(a.config), rb = rank(b.config);
    if (ra != rb) return ra < rb;
    if (a.config != b.config) return a.config < b.config;
    return a.position < b.position;
  });
}

RunSummary SummarizeRun(const ReportInput& input) {
  return Summarize(input.records, ConfigFactsOf(input.header), BaselineOf(input.header));
}

nlohmann::json ReportJson(const ReportInput& input, const RunSummary& summary) {
  nlohmann::json config = input.header;
  config.erase("kind");
  config["system"] = SystemInfoToJson(input.system);
  if (!input.shards_merged.empty()) config["shards_merged"] = input.shards_merged;
  nlohmann::json stage = nlohmann::json::object(), aggregate = nlohmann::json::object();
  for (const ConfigSummary& c : summary.configs) {
    stage[c.name] = StageTiming(c);
    aggregate[c.name] = Aggregate(c);
  }
  const std::string baseline = summary.baseline;
  nlohmann::json baseline_rows = nlohmann::json::array();
  const auto baseline_by_id = ById(RecordsOf(input.records, baseline));
  for (const auto* r : RecordsOf(input.records, baseline)) baseline_rows.push_back(BaselinePerSample(*r));
  nlohmann::json sd = nlohmann::json::object();
  for (const ConfigSummary& c : summary.configs) {
    if (c.name == baseline) continue;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto* r : RecordsOf(input.records, c.name)) {
      auto b = baseline_by_id.find(r->id);
      rows.push_back(SdPerSample(*r, b == baseline_by_id.end() ? nullptr : b->second));
    }
    sd[c.name] = rows;
  }
  return {{"timestamp", input.timestamp},
          {"config", config},
          {"stage_timing", stage},
          {"aggregate", aggregate},
          {"baseline_per_sample", baseline_rows},
          {"sd_per_sample", sd}};
}

absl::StatusOr<ReportFiles> WriteReports(ReportInput input, const std::string& output_dir, bool charts) {
  SortRecords(input.header, input.records);
  const RunSummary summary = SummarizeRun(input);
  ReportFiles files;
  const std::string stem = ReportFileStem("e2e_wallclock", input);
  files.json = (fs::path(output_dir) / (stem + ".json")).string();
  files.markdown = (fs::path(output_dir) / (stem + ".md")).string();
  XSD_RETURN_IF_ERROR(WriteFileAtomically(files.json, ReportJson(input, summary).dump(2) + "\n"));
  if (charts) {
    XSD_ASSIGN_OR_RETURN(files.charts, WriteCharts(input, summary, output_dir));
  }
  XSD_RETURN_IF_ERROR(WriteFileAtomically(files.markdown, ReportMarkdown(input, summary, files.charts)));
  return files;
}

}  // namespace xsd::bench
