// The markdown report's memory and numerics lines and reproducibility section, from
// hand-made inputs (numbers chosen so the expected text is worked by hand).
#include "report_markdown.h"

#include "report.h"
#include "summary.h"
#include "test_records.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

constexpr int64_t kGiB = 1024LL * 1024 * 1024;

ReportInput Input() {
  ReportInput in;
  in.header = {{"settings", {{"gamma", nullptr}}}, {"configs", nlohmann::json::array()}};
  in.timestamp = "20261128_000000";
  return in;
}

TEST_CASE("Markdown: peak memory split into resident weights, KV caches and the transient rest", "[bench][report]") {
  ReportInput in = Input();
  DeviceInfo d;
  d.device = "cuda:0";
  d.name = "NVIDIA H200";
  d.total_bytes = 140 * kGiB;
  d.peak_bytes = 10 * kGiB;
  d.resident_bytes = 8 * kGiB;
  d.kv_cache_bytes = 2 * kGiB;
  in.system.devices.push_back(d);
  RunSummary summary;
  summary.baseline = "vl_baseline";
  const std::string md = ReportMarkdown(in, summary, {});
  CHECK(md.find("| cuda:0 | NVIDIA H200, peak 10.00 GiB of 140.00 GiB = weights and tables 6.00 GiB + KV caches "
                "2.00 GiB + activations, graph pools and workspaces 2.00 GiB |") != std::string::npos);
  // Unknown parts (a probe without them): the peak alone.
  in.system.devices[0].resident_bytes = -1;
  const std::string plain = ReportMarkdown(in, summary, {});
  CHECK(plain.find("| cuda:0 | NVIDIA H200, peak 10.00 GiB of 140.00 GiB |") != std::string::npos);
}

TEST_CASE("Markdown: greedy outputs against the baseline, with margins at divergences", "[bench][report]") {
  ReportInput in = Input();
  RunSummary summary;
  summary.baseline = "vl_baseline";
  ConfigSummary base;
  base.name = "vl_baseline";
  base.median_margin = 1.5;
  ConfigSummary sd;
  sd.name = "L4+VL";
  sd.paired = 4;
  sd.matches_baseline = 2;
  sd.matching_prefix = 0.75;
  sd.baseline_margins_at_divergence = {0.0625, 0.0078};
  sd.margins_at_divergence = {0.0312};
  sd.median_margin = 1.25;
  summary.configs = {base, sd};
  const std::string md = ReportMarkdown(in, summary, {});
  CHECK(md.find("## Greedy outputs against the baseline") != std::string::npos);
  CHECK(md.find("| L4+VL | 2/4 | 75.0% | 0.0078 / 0.0625 / 0.0625 (2) | 0.0312 / 0.0312 / 0.0312 (1) | 1.2500 |") !=
        std::string::npos);
  CHECK(md.find("| vl_baseline | --- | --- | --- | --- | 1.5000 |") != std::string::npos);
  // Runs without margins (mock models) leave the section out.
  summary.configs[0].median_margin.reset();
  summary.configs[1].median_margin.reset();
  CHECK(ReportMarkdown(in, summary, {}).find("## Greedy outputs") == std::string::npos);
}

TEST_CASE("Markdown: the run's numerics and environment switches", "[bench][report]") {
  ReportInput in = Input();
  RunSummary summary;
  summary.baseline = "vl_baseline";
  CHECK(ReportMarkdown(in, summary, {}).find("| numerics | fast (fastest kernel per row count) |") !=
        std::string::npos);
  CHECK(ReportMarkdown(in, summary, {}).find("| environment switches | none |") != std::string::npos);
  in.system.env_switches = {"XSD_ATTENTION_PATH=sdpa", "XSD_ROW_INVARIANT=1"};
  CHECK(ReportMarkdown(in, summary, {}).find("| environment switches | XSD_ATTENTION_PATH=sdpa XSD_ROW_INVARIANT=1 |") !=
        std::string::npos);
  in.header["configs"] = nlohmann::json::array({{{"name", "vl_baseline"}}, {{"name", "L4+VL"}}});
  for (nlohmann::json& c : in.header["configs"]) c["kernel_options"] = "numerics=row_invariant gemv=1";
  CHECK(ReportMarkdown(in, summary, {})
            .find("| numerics | row-invariant (verify rows = decode steps bit for bit; xsd/models/kernel_options.h) |") !=
        std::string::npos);
  CHECK(ReportMarkdown(in, summary, {}).find("| kernel options | numerics=row_invariant gemv=1 |") != std::string::npos);
  in.header["configs"][0]["kernel_options"] = "numerics=fast gemv=0";  // configs that differ: listed one by one
  const std::string md = ReportMarkdown(in, summary, {});
  CHECK(md.find("| numerics and kernel options per config | ") != std::string::npos);
  CHECK(md.find(": numerics=fast gemv=0; ") != std::string::npos);
}

TEST_CASE("Markdown: the run's config set, world folder and threads", "[bench][report]") {
  ReportInput in = Input();
  in.header["settings"]["config_set"] = "world";
  in.header["settings"]["world_dir"] = "configs/world";
  in.header["settings"]["threads"] = 2;
  RunSummary summary;
  summary.baseline = "vl_baseline";
  const std::string md = ReportMarkdown(in, summary, {});
  CHECK(md.find("| config set | world (configs/world) |") != std::string::npos);
  CHECK(md.find("| intra-op CPU threads | 2 |") != std::string::npos);
}

TEST_CASE("Markdown: the first requests' outputs as text beside the baseline's", "[bench][report]") {
  using testing::MakeRecord;
  ReportInput in = Input();
  // Report order: config, then position; four requests, the first three shown.
  for (int p = 0; p < 4; ++p) {
    SampleRecord r = MakeRecord({"vl_baseline", "s0/" + std::to_string(p), p});
    r.text = "answer " + std::to_string(p);
    in.records.push_back(r);
  }
  SampleRecord same = MakeRecord({"L4+VL", "s0/0", 0});
  same.text = "answer 0";
  testing::RecordSpec other{"L4+VL", "s0/1", 1};
  other.tokens = {1, 2, 4};
  SampleRecord differs = MakeRecord(other);
  differs.text = "a | b\nc";
  in.records.push_back(same);
  in.records.push_back(differs);
  in.records[0].question = "What objects are present in the scene?";
  RunSummary summary;
  summary.baseline = "vl_baseline";
  const std::string md = ReportMarkdown(in, summary, {});
  CHECK(md.find("## Outputs") != std::string::npos);
  CHECK(md.find("**s0/0** What objects are present in the scene?") != std::string::npos);
  CHECK(md.find("| vl_baseline | answer 0 | (baseline) |") != std::string::npos);
  CHECK(md.find("| L4+VL | answer 0 | yes |") != std::string::npos);
  CHECK(md.find("| L4+VL | a \\| b c | no |") != std::string::npos);
  CHECK(md.find("| vl_baseline | answer 2 | (baseline) |") != std::string::npos);
  CHECK(md.find("answer 3") == std::string::npos);
}

}  // namespace
}  // namespace xsd::bench
