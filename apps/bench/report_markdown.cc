#include "report_markdown.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "report.h"
#include "results_table.h"
#include "run_header.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

std::string Ms(double v) { return absl::StrFormat("%.1f", v); }
std::string Pct(double v) { return absl::StrFormat("%.1f%%", 100.0 * v); }
std::string Bytes(int64_t b) { return b < 0 ? "n/a" : absl::StrFormat("%.2f GiB", b / (1024.0 * 1024.0 * 1024.0)); }

std::string Row(const std::vector<std::string>& cells) { return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n"); }
std::string Rule(size_t n) {
  std::vector<std::string> dashes(n, "---");
  return Row(dashes);
}

// The configs' numerics and kernel seams (run header: configs[].kernel_options,
// KernelOptionsString): one row when every config has the same.
std::string NumericsRows(const nlohmann::json& header) {
  std::vector<std::string> per_config, distinct;
  for (const nlohmann::json& c : header.value("configs", nlohmann::json::array())) {
    const std::string options = c.value("kernel_options", "numerics=fast");
    per_config.push_back(absl::StrCat(c.value("name", ""), ": ", options));
    if (std::find(distinct.begin(), distinct.end(), options) == distinct.end()) distinct.push_back(options);
  }
  if (distinct.empty()) distinct.push_back("numerics=fast");
  const auto describe = [](const std::string& options) {
    return options.rfind("numerics=row_invariant", 0) == 0
               ? "row-invariant (verify rows = decode steps bit for bit; xsd/models/kernel_options.h)"
               : "fast (fastest kernel per row count)";
  };
  if (distinct.size() == 1) {
    return Row({"numerics", describe(distinct[0])}) + Row({"kernel options", distinct[0]});
  }
  return Row({"numerics and kernel options per config", absl::StrJoin(per_config, "; ")});
}

void RunSection(const ReportInput& in, const RunSummary& summary, std::string& md) {
  const nlohmann::json& s = in.header.value("settings", nlohmann::json::object());
  md += "## Run\n\n| Setting | Value |\n|---|---|\n";
  std::vector<std::string> names;
  for (const ConfigSummary& c : summary.configs) names.push_back(c.name);
  md += Row({"configs", absl::StrJoin(names, ", ")});
  md += Row({"baseline", summary.baseline});
  md += Row({"dataset", s.value("dataset_dir", "").empty() ? "built-in scenes (" + std::to_string(s.value("builtin_scenes", 0)) + ")"
                                                            : s.value("dataset_dir", "")});
  if (s.contains("config_set")) {
    const std::string world = s.value("world_dir", "");
    md += Row({"config set", world.empty() ? s.value("config_set", "") : absl::StrCat(s.value("config_set", ""), " (", world, ")")});
  }
  md += Row({"questions per scene", std::to_string(s.value("n_questions", 0))});
  md += Row({"max_new_tokens", std::to_string(s.value("max_new_tokens", 0))});
  md += Row({"warm-up scenes per config (excluded)", std::to_string(in.header.value("warmup", 0))});
  md += Row({"gamma override", s["gamma"].is_null() ? "none (each config's)" : s["gamma"].dump()});
  md += NumericsRows(in.header);
  if (s.contains("threads")) md += Row({"intra-op CPU threads", std::to_string(s.value("threads", 0))});
  std::vector<std::string> seeds;
  for (const nlohmann::json& c : in.header.value("configs", nlohmann::json::array())) {
    seeds.push_back(absl::StrCat(c.value("name", ""), "=", c.value("seed", uint64_t{0}), " (", c.value("dtype", ""), ")"));
  }
  md += Row({"pipeline seeds (dtype)", absl::StrJoin(seeds, ", ")});
  if (!in.shards_merged.empty()) md += Row({"shards merged", absl::StrJoin(in.shards_merged, ", ")});
  const SystemInfo& sys = in.system;
  md += Row({"CPU", absl::StrCat(sys.cpu_model, " (", sys.cpu_cores, " logical cores)")});
  md += Row({"host memory / peak RSS", absl::StrCat(Bytes(sys.host_memory_bytes), " / ", Bytes(sys.peak_rss_bytes))});
  md += Row({"libtorch", absl::StrCat(sys.libtorch_version, ", ", sys.cuda_device_count, " CUDA device(s)")});
  md += Row({"environment switches", sys.env_switches.empty() ? "none" : absl::StrJoin(sys.env_switches, " ")});
  for (const DeviceInfo& d : sys.devices) {
    std::string memory = absl::StrCat(d.name, ", peak ", Bytes(d.peak_bytes), " of ", Bytes(d.total_bytes));
    if (d.resident_bytes >= 0 && d.kv_cache_bytes >= 0 && d.peak_bytes >= 0) {
      // Resident at the end = weights + KV caches + tables; the rest of the peak was transient.
      absl::StrAppend(&memory, " = weights and tables ", Bytes(std::max<int64_t>(0, d.resident_bytes - d.kv_cache_bytes)),
                      " + KV caches ", Bytes(d.kv_cache_bytes), " + activations, graph pools and workspaces ",
                      Bytes(std::max<int64_t>(0, d.peak_bytes - d.resident_bytes)));
    }
    md += Row({d.device, memory});
  }
  md += "\n";
}

void ResultsSection(const RunSummary& summary, std::string& md) {
  md += "## Results\n\nMeans per sample (one sample = one scene x question). Speedup = mean over samples of "
        "baseline total / config total, on the same requests. Predicted = the cost model below at the fitted "
        "acceptance.\n\n";
  md += Row({"Config", "n", "Prefill (ms)", "Decode (ms)", "Total (ms)", "TTFT (ms)", "ms/token", "Accept",
             "Tokens/fwd", "Speedup", "Predicted", "Same output as baseline"});
  md += Rule(12);
  for (const ConfigSummary& c : summary.configs) {
    md += Row({c.name, std::to_string(c.n), Ms(c.mean.prefill_phase_ms), Ms(c.mean.decode_phase_ms), Ms(c.mean.total_ms),
               Ms(c.mean.ttft_ms), absl::StrFormat("%.2f", c.mean.tpot_ms), c.speculative ? Pct(c.accept_rate) : "---",
               absl::StrFormat("%.2f", c.tokens_per_forward), FormatSpeedup(c.speedup_mean), FormatSpeedup(c.predicted_speedup),
               c.paired > 0 ? absl::StrCat(c.matches_baseline, "/", c.paired) : "---"});
  }
  md += "\n";
}

std::string MarginList(std::vector<double> v) {
  if (v.empty()) return "---";
  std::sort(v.begin(), v.end());
  return absl::StrFormat("%.4f / %.4f / %.4f (%d)", v.front(), v[v.size() / 2], v.back(), static_cast<int>(v.size()));
}

void ReproducibilitySection(const RunSummary& summary, std::string& md) {
  bool any = false;
  for (const ConfigSummary& c : summary.configs) any |= c.median_margin.has_value();
  if (!any) return;
  md += "## Greedy outputs against the baseline\n\nGreedy speculative decoding emits the target's own greedy tokens, "
        "so any difference from the baseline is numerics or a bug. Margin = the target's top-1 minus top-2 logit on "
        "the row that chose the token; at the first divergence a margin near the dtype's rounding is a near-tie "
        "(numerics), a clear margin is a bug. Margins: min / median / max (count).\n\n";
  md += Row({"Config", "Same output", "Matching prefix", "Baseline margin at divergence", "Config margin at divergence",
             "Median margin (all tokens)"});
  md += Rule(6);
  for (const ConfigSummary& c : summary.configs) {
    md += Row({c.name, c.paired > 0 ? absl::StrCat(c.matches_baseline, "/", c.paired) : "---",
               c.paired > 0 ? Pct(c.matching_prefix) : "---", MarginList(c.baseline_margins_at_divergence),
               MarginList(c.margins_at_divergence),
               c.median_margin.has_value() ? absl::StrFormat("%.4f", *c.median_margin) : "---"});
  }
  md += "\n";
}

// Markdown table cell: no line breaks, '|' escaped.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += (c == '\n' || c == '\r') ? ' ' : c;
    }
  }
  return out.empty() ? "(empty)" : out;
}

// The first requests' outputs as text (the target's tokenizer; token ids for
// mock models), each config beside the baseline.
void OutputsSection(const ReportInput& in, const std::string& baseline, std::string& md) {
  constexpr size_t kShown = 3;
  std::vector<const SampleRecord*> firsts;  // one record per request
  for (const SampleRecord& r : in.records) {
    if (std::none_of(firsts.begin(), firsts.end(), [&](const SampleRecord* f) { return f->id == r.id; })) {
      firsts.push_back(&r);
    }
  }
  std::stable_sort(firsts.begin(), firsts.end(),
                   [](const SampleRecord* a, const SampleRecord* b) { return a->position < b->position; });
  if (firsts.size() > kShown) firsts.resize(kShown);
  if (firsts.empty()) return;
  md += absl::StrCat("## Outputs\n\nThe first ", firsts.size(),
                     " requests: each config's output as text (decoded by the target's tokenizer; token ids for "
                     "models without one).\n\n");
  for (const SampleRecord* f : firsts) {
    const SampleRecord* base = nullptr;
    for (const SampleRecord& r : in.records) {
      if (r.id == f->id && r.config == baseline) base = &r;
    }
    md += absl::StrCat("**", f->id, "** ", Cell(f->question), "\n\n");
    md += Row({"Config", "Output", "Same tokens as baseline"});
    md += Rule(3);
    for (const SampleRecord& r : in.records) {
      if (r.id != f->id) continue;
      std::string same = "---";
      if (&r == base) {
        same = "(baseline)";
      } else if (base != nullptr) {
        same = r.result.tokens == base->result.tokens ? "yes" : "no";
      }
      md += Row({r.config, Cell(r.text), same});
    }
    md += "\n";
  }
}

void StageSection(const RunSummary& summary, std::string& md) {
  md += "## Three-stage timing (target)\n\nVision = media decoding + vision tower; prefill = the rest of the target's "
        "prefill, plus any wait for the drafter lane; decode = everything after. Means, and the median of the whole "
        "prefill phase (vision included): one-off costs such as the first request at a new prompt length move the "
        "mean, not the median.\n\n";
  md += Row({"Config", "Vision (ms)", "Prefill (ms)", "Decode (ms)", "Total (ms)", "Prefill phase, median (ms)"});
  md += Rule(6);
  for (const ConfigSummary& c : summary.configs) {
    md += Row({c.name, Ms(c.mean.vision_ms), Ms(c.mean.prefill_phase_ms - c.mean.vision_ms), Ms(c.mean.decode_phase_ms),
               Ms(c.mean.total_ms), Ms(c.median_prefill_ms)});
  }
  bool any_hidden = false;
  for (const ConfigSummary& c : summary.configs) any_hidden = any_hidden || c.mean.free_tokens > 0 || c.mean.hidden_verified > 0;
  if (any_hidden) {
    md += "\n### Drafter lane (prefill hiding)\n\n";
    md += Row({"Config", "Drafter vision (ms)", "Drafter prefill (ms)", "Hidden drafting (ms)", "Adapter (ms)",
               "Free tokens", "Overlap (ms)", "Gap (ms)", "Hidden drafts verified / accepted", "Hidden verify (ms)"});
    md += Rule(10);
    for (const ConfigSummary& c : summary.configs) {
      if (c.mean.free_tokens <= 0 && c.mean.hidden_verified <= 0) continue;
      md += Row({c.name, Ms(c.mean.drafter_vision_ms), Ms(c.mean.drafter_prefill_ms), Ms(c.mean.hidden_draft_ms),
                 Ms(c.mean.adapter_ms),
                 absl::StrFormat("%.1f", c.mean.free_tokens), Ms(c.mean.overlap_ms), Ms(c.mean.gap_ms),
                 absl::StrFormat("%.1f / %.1f", c.mean.hidden_verified, c.mean.hidden_accepted), Ms(c.model.hidden_verify_ms)});
    }
  }
  md += "\n";
}

void AnalysisSection(const RunSummary& summary, std::string& md) {
  const ConfigSummary* bl = summary.Baseline();
  if (bl == nullptr || bl->n == 0) return;
  const double step = bl->model.verify_ms;  // the baseline's decode step
  md += "## Speedup analysis\n\nWhere each config's time went, per sample, against the baseline (decode step "
        + absl::StrFormat("%.2f ms", step) + "). The lines add up to the measured net saving.\n\n";
  for (const ConfigSummary& c : summary.configs) {
    if (c.name == summary.baseline || !c.speculative || c.paired == 0) continue;
    const double saved = bl->mean.rounds - c.mean.rounds;
    const double value = saved * step;
    const double premium = c.mean.hidden_verify_ms + c.mean.decode_verify_ms - c.mean.rounds * step;
    const double drafting = c.mean.decode_draft_ms;
    const double prefill = c.mean.prefill_phase_ms - bl->mean.prefill_phase_ms;
    const double net = c.baseline_total_ms - c.mean.total_ms;
    const double other = value - premium - drafting - prefill - net;
    md += absl::StrCat("### ", c.name, "\n\n| Component | Value |\n|---|---|\n");
    md += Row({"Mean drafted tokens", absl::StrFormat("%.1f", c.mean.drafted)});
    md += Row({"Mean accepted tokens", absl::StrFormat("%.1f (%s)", c.mean.accepted, Pct(c.accept_rate))});
    md += Row({"Target forwards saved per sample", absl::StrFormat("%.1f (%.1f rounds vs %.1f)", saved, c.mean.rounds, bl->mean.rounds)});
    md += Row({"Value of saved forwards", absl::StrFormat("%.1f x %.2f ms = **%.1f ms**", saved, step, value)});
    md += Row({"Verification premium (rounds' cost above plain steps)", absl::StrFormat("%.1f ms", premium)});
    md += Row({"Drafting on the critical path (decode)", absl::StrFormat("%.1f ms", drafting)});
    md += Row({"Prefill phase vs baseline", absl::StrFormat("%+.1f ms", prefill)});
    md += Row({"Other (bookkeeping, noise)", absl::StrFormat("%.1f ms", other)});
    md += Row({"Net saving", absl::StrFormat("**%.1f ms** per %.1f ms sample (%s)", net, c.baseline_total_ms,
                                             FormatSpeedup(c.speedup_of_means))});
    md += "\n";
  }
}

void CostModelSection(const RunSummary& summary, std::string& md) {
  const ConfigSummary* bl = summary.Baseline();
  if (bl == nullptr || bl->n == 0) return;
  md += "## Cost model: acceptance -> speedup\n\n"
        "T(a) = P + [F>0]·Vh + R(a)·(V + D) + O, with R(a) = (N − 1 − [F>0]·(1 + Σ_{k=1..F} a^k)) / E(a) and "
        "E(a) = (1 − a^(γ+1)) / (1 − a) (docs/bench.md). Every cost is this run's measurement; a is the per-position "
        "acceptance probability (a chain is accepted up to its first miss), fitted so the model reproduces the "
        "measured accepted tokens. Speedup = baseline total / T(a).\n\n";
  md += Row({"Config", "P (ms)", "F", "Vh (ms)", "γ", "V (ms/round)", "D (ms/round)", "O (ms)", "N", "fitted a",
             "Measured", "Predicted"});
  md += Rule(12);
  std::vector<const ConfigSummary*> spec;
  for (const ConfigSummary& c : summary.configs) {
    const CostModel& m = c.model;
    md += Row({c.name, Ms(m.prefill_ms), absl::StrFormat("%.1f", m.hidden_drafts), Ms(m.hidden_verify_ms),
               std::to_string(m.gamma), absl::StrFormat("%.2f", m.verify_ms), absl::StrFormat("%.2f", m.draft_ms),
               Ms(m.overhead_ms), absl::StrFormat("%.1f", m.n_tokens),
               c.speculative ? absl::StrFormat("%.2f", c.fitted_acceptance) : "---", FormatSpeedup(c.speedup_mean),
               FormatSpeedup(c.predicted_speedup)});
    if (c.speculative && c.name != summary.baseline && c.paired > 0) spec.push_back(&c);
  }
  if (spec.empty()) return;
  md += "\nPredicted speedup if the acceptance were a (same measured costs):\n\n";
  std::vector<std::string> head = {"Accept a"};
  for (const ConfigSummary* c : spec) head.push_back(c->name);
  md += Row(head);
  md += Rule(head.size());
  std::vector<std::string> now = {"measured"};
  for (const ConfigSummary* c : spec) {
    now.push_back(absl::StrFormat("%s (a=%.2f, %s)", FormatSpeedup(c->speedup_mean), c->fitted_acceptance, Pct(c->accept_rate)));
  }
  md += Row(now);
  for (double a : {0.25, 0.5, 0.7, 0.9, 1.0}) {
    std::vector<std::string> row = {absl::StrFormat("%.0f%%", 100 * a)};
    for (const ConfigSummary* c : spec) row.push_back(absl::StrFormat("%.2fx", c->baseline_total_ms / c->model.TotalMs(a)));
    md += Row(row);
  }
  md += "\n";
}

}  // namespace

std::string ReportMarkdown(const ReportInput& input, const RunSummary& summary, const std::vector<std::string>& charts) {
  std::string md = absl::StrCat("# E2E wall-clock benchmark — ", input.timestamp, "\n\n");
  if (AllMock(input.header)) {
    md += "> **Mock pipelines**: scripted models with simulated costs (configs/mock/), not real models. The "
          "numbers exercise the benchmark, not libxsd's real speed.\n\n";
  }
  RunSection(input, summary, md);
  ResultsSection(summary, md);
  ReproducibilitySection(summary, md);
  OutputsSection(input, summary.baseline, md);
  StageSection(summary, md);
  AnalysisSection(summary, md);
  CostModelSection(summary, md);
  if (!charts.empty()) {
    md += "## Charts\n\n";
    for (const std::string& c : charts) {
      const std::string name = fs::path(c).filename().string();
      md += absl::StrCat("![", name, "](", name, ")\n\n");
    }
  }
  md += "Definitions of every column: docs/bench.md and docs/metrics.md.\n";
  return md;
}

}  // namespace xsd::bench
