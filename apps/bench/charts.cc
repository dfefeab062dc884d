#include "charts.h"

#include "report.h"

#ifdef XSD_BENCH_WITH_CHARTS

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "chart_canvas.h"
#include "run_header.h"
#include "xsd/base/status.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 1600;
constexpr int kHeight = 900;

std::string PathFor(const std::string& dir, const std::string& name, const ReportInput& in) {
  return (fs::path(dir) / (ReportFileStem(name, in) + ".png")).string();
}

std::string MockNote(const ReportInput& in) { return AllMock(in.header) ? " (mock pipelines)" : ""; }

std::vector<double> Positions(size_t n) {
  std::vector<double> xs;
  for (size_t i = 0; i < n; ++i) xs.push_back(static_cast<double>(i));
  return xs;
}

// ---------------------------------------------------------------- speedup
absl::Status SpeedupChart(const ReportInput& in, const RunSummary& s, const std::string& path) {
  ChartCanvas c(kWidth, kHeight, cv::Rect(150, 120, 1400, 630));
  std::vector<std::string> names;
  double top = 1.2;
  for (const ConfigSummary& k : s.configs) {
    names.push_back(k.name);
    top = std::max(top, k.speedup_mean.value_or(0) + k.speedup_ci95);
    top = std::max(top, k.predicted_speedup.value_or(0));
  }
  const size_t n = names.size();
  c.SetXRange(-0.6, n - 0.4);
  const std::vector<double> ticks = NiceTicks(0, top * 1.18);
  c.SetYRange(0, ticks.back());
  c.YAxis(ticks, "%.1fx", "Speedup vs " + s.baseline + " (x)");
  for (size_t i = 0; i < n; ++i) {
    const ConfigSummary& k = s.configs[i];
    const double x = static_cast<double>(i);
    if (!k.speedup_mean.has_value()) {
      c.Text("no baseline", {c.X(x), c.Y(0) - 12}, 0.85, Palette::Ink(), Align::kCenter);
      continue;
    }
    const double v = *k.speedup_mean;
    const cv::Scalar fill = k.name == s.baseline ? cv::Scalar(190, 190, 190) : Palette::Decode();
    c.Box(x - 0.3, 0, x + 0.3, v, fill);
    if (k.speedup_ci95 > 0) {  // 95% interval of the mean
      const int px = c.X(x);
      cv::line(c.image(), {px, c.Y(v - k.speedup_ci95)}, {px, c.Y(v + k.speedup_ci95)}, Palette::Ink(), 2, cv::LINE_AA);
      for (double e : {v - k.speedup_ci95, v + k.speedup_ci95}) {
        cv::line(c.image(), {px - 10, c.Y(e)}, {px + 10, c.Y(e)}, Palette::Ink(), 2, cv::LINE_AA);
      }
    }
    if (k.predicted_speedup.has_value() && k.name != s.baseline) {
      const int py = c.Y(*k.predicted_speedup);
      cv::line(c.image(), {c.X(x - 0.36), py}, {c.X(x + 0.36), py}, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    }
    const double label_at = std::max(v + k.speedup_ci95, k.predicted_speedup.value_or(0));
    c.Text(absl::StrFormat("%.2fx", v), {c.X(x), c.Y(label_at) - 12}, 1.0, Palette::Ink(), Align::kCenter, 2);
  }
  c.DashedHLine(1.0, cv::Scalar(40, 40, 200));
  c.Categories(Positions(n), names);
  c.Frame();
  c.Title("End-to-end speedup per config" + MockNote(in));
  c.LegendRow({{"measured: mean of per-sample speedups, 95% CI", Palette::Decode()},
               {"baseline", cv::Scalar(190, 190, 190)},
               {"cost model prediction (black line)", cv::Scalar(0, 0, 0)},
               {"1.0x (dashed)", cv::Scalar(40, 40, 200)}},
              98);
  c.Text(absl::StrFormat("speedup = %s total / config total, same requests; n = %d samples per config", s.baseline,
                         s.configs.empty() ? 0 : s.configs.front().n),
         {150, kHeight - 40}, 0.85, cv::Scalar(90, 90, 90));
  return c.Save(path);
}

// ---------------------------------------------------------------- timing breakdown
absl::Status TimingChart(const ReportInput& in, const RunSummary& s, const std::string& path) {
  ChartCanvas c(kWidth, kHeight, cv::Rect(150, 120, 1400, 630));
  std::vector<std::string> names;
  double top = 1;
  for (const ConfigSummary& k : s.configs) {
    names.push_back(k.name);
    top = std::max(top, k.mean.total_ms);
  }
  const size_t n = names.size();
  c.SetXRange(-0.6, n - 0.4);
  const std::vector<double> ticks = NiceTicks(0, top * 1.22);
  c.SetYRange(0, ticks.back());
  c.YAxis(ticks, "%.0f", "Time per sample (ms)");
  for (size_t i = 0; i < n; ++i) {
    const ConfigSummary& k = s.configs[i];
    const double x = static_cast<double>(i);
    const double vision = k.mean.vision_ms;
    const double prefill = k.mean.prefill_phase_ms - vision;
    const double decode = k.mean.decode_phase_ms;
    c.Box(x - 0.3, 0, x + 0.3, vision, Palette::Vision());
    c.Box(x - 0.3, vision, x + 0.3, vision + prefill, Palette::Prefill());
    c.Box(x - 0.3, vision + prefill, x + 0.3, vision + prefill + decode, Palette::Decode());
    const int cx = c.X(x);
    // Segment values inside the bars when there is room.
    for (auto [lo, len] : {std::pair<double, double>{0, vision}, {vision, prefill}, {vision + prefill, decode}}) {
      if (c.Y(lo) - c.Y(lo + len) >= 26) {
        c.Text(absl::StrFormat("%.1f", len), {cx, (c.Y(lo) + c.Y(lo + len)) / 2 + 8}, 0.85, cv::Scalar(255, 255, 255),
               Align::kCenter, 2);
      }
    }
    const std::string label = k.speedup_mean.has_value()
                                  ? absl::StrFormat("%.1f ms  (%.2fx)", k.mean.total_ms, *k.speedup_mean)
                                  : absl::StrFormat("%.1f ms", k.mean.total_ms);
    c.Text(label, {cx, c.Y(k.mean.total_ms) - 12}, 0.95, Palette::Ink(), Align::kCenter, 2);
  }
  c.Categories(Positions(n), names);
  c.Frame();
  bool any_vision = false;
  for (const ConfigSummary& k : s.configs) any_vision = any_vision || k.mean.vision_ms > 0;
  if (!any_vision) {
    c.Text("vision: 0 ms reported (the target does not time its vision tower apart: it is inside the prefill)",
           {150, kHeight - 40}, 0.85, cv::Scalar(90, 90, 90));
  }
  c.Title("Timing breakdown: vision + prefill + decode" + MockNote(in));
  c.LegendRow({{"Vision encoder (target)", Palette::Vision()},
               {"LLM prefill (incl. wait for the drafter lane)", Palette::Prefill()},
               {"Decode (verification + decode rounds)", Palette::Decode()}},
              98);
  return c.Save(path);
}

// ---------------------------------------------------------------- acceptance
absl::Status AcceptChart(const ReportInput& in, const RunSummary& s, const std::string& path) {
  ChartCanvas c(kWidth, kHeight, cv::Rect(150, 100, 1400, 630));
  std::vector<const ConfigSummary*> spec;
  for (const ConfigSummary& k : s.configs) {
    if (k.speculative) spec.push_back(&k);
  }
  c.SetYRange(0, 100);
  c.YAxis(NiceTicks(0, 100, 5), "%.0f%%", "Accepted / drafted tokens (%)");
  if (spec.empty()) {
    c.Text("no speculative configs in this run", {c.plot().x + c.plot().width / 2, c.plot().y + c.plot().height / 2}, 1.1,
           Palette::Ink(), Align::kCenter);
  }
  const size_t n = std::max<size_t>(1, spec.size());
  c.SetXRange(-0.6, n - 0.4);
  std::vector<std::string> names;
  for (size_t i = 0; i < spec.size(); ++i) {
    const ConfigSummary& k = *spec[i];
    names.push_back(k.name);
    const double x = static_cast<double>(i);
    const double pct = 100.0 * k.accept_rate;
    c.Box(x - 0.3, 0, x + 0.3, pct, Palette::Accepted());
    c.Text(absl::StrFormat("%.1f%%", pct), {c.X(x), c.Y(pct) - 12}, 1.0, Palette::Ink(), Align::kCenter, 2);
    const int base = c.plot().y + c.plot().height;
    c.Text(absl::StrFormat("%.1f of %.1f drafts, %.2f tok/fwd", k.mean.accepted, k.mean.drafted, k.tokens_per_forward),
           {c.X(x), base + 58}, 0.8, cv::Scalar(90, 90, 90), Align::kCenter);
  }
  c.Categories(Positions(spec.size()), names);
  c.Frame();
  c.Title("Draft acceptance rate per config" + MockNote(in));
  return c.Save(path);
}

// ---------------------------------------------------------------- prefill-hiding timeline
const SampleRecord* PickSample(const ReportInput& in, const RunSummary& s, std::string* config) {
  const ConfigSummary* chosen = nullptr;
  for (const ConfigSummary& k : s.configs) {
    if (k.mean.free_tokens > 0 && chosen == nullptr) chosen = &k;
  }
  for (const ConfigSummary& k : s.configs) {
    if (k.speculative && chosen == nullptr) chosen = &k;
  }
  if (chosen == nullptr && !s.configs.empty()) chosen = &s.configs.front();
  if (chosen == nullptr) return nullptr;
  *config = chosen->name;
  // The sample whose total is the config's median: a typical one.
  std::vector<const SampleRecord*> mine = RecordsOf(in.records, chosen->name);
  if (mine.empty()) return nullptr;
  std::sort(mine.begin(), mine.end(), [](const SampleRecord* a, const SampleRecord* b) {
    return a->result.times.total_ms < b->result.times.total_ms || (a->result.times.total_ms == b->result.times.total_ms &&
                                                                     a->position < b->position);
  });
  return mine[mine.size() / 2];
}

// Draws token ids in wrapped lines, `green[i]` marking accepted drafts.
int TokenLine(ChartCanvas& c, const std::string& title, const std::vector<TokenId>& tokens, const std::vector<bool>& green,
              int x, int y, int right) {
  c.Text(title, {x, y}, 0.9, Palette::Ink(), Align::kLeft, 1);
  int px = x + 190, lines = 1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string t = std::to_string(tokens[i]);
    const int w = c.TextSize(t, 0.85, 2).width + 12;
    if (px + w > right) {
      if (++lines > 3) {
        c.Text("...", {px, y}, 0.85, Palette::Ink());
        break;
      }
      px = x + 190;
      y += 30;
    }
    const bool g = i < green.size() && green[i];
    c.Text(t, {px, y}, 0.85, g ? Palette::Accepted() : Palette::Ink(), Align::kLeft, g ? 2 : 1);
    px += w;
  }
  return y;
}

absl::Status TimelineChart(const ReportInput& in, const RunSummary& s, const std::string& path) {
  constexpr int kW = 1800, kH = 1000;
  ChartCanvas c(kW, kH, cv::Rect(230, 140, 1520, 420));
  std::string config;
  const SampleRecord* rec = PickSample(in, s, &config);
  if (rec == nullptr) {
    c.Text("no samples", {kW / 2, kH / 2}, 1.2, Palette::Ink(), Align::kCenter);
    return c.Save(path);
  }
  const GenerationResult& r = rec->result;
  double end = r.times.total_ms;
  for (const TimelineEvent& e : r.timeline) end = std::max(end, e.end_ms);
  c.SetXRange(0, end * 1.02);
  c.SetYRange(0, 2);
  const SampleMetrics m = MetricsOf(*rec);
  c.XAxis(NiceTicks(0, end * 1.02, 10), "%.0f", "Time since the request started (ms)", /*grid=*/true);

  // Lanes: drafter at y in [1.15, 1.75], target at [0.25, 0.85].
  auto lane_box = [&](const TimelineEvent& e, double y0, double y1, cv::Scalar fill, bool hatched) {
    c.Box(e.start_ms, y0, std::max(e.end_ms, e.start_ms + 1e-3), y1, fill, hatched);
  };
  int hidden_index = 0;
  for (const TimelineEvent& e : r.timeline) {
    if (e.lane == "drafter") {
      if (e.phase == "prefill") {
        // Vision (media + tower) first, then the LLM prefill, as the breakdown says.
        const double vision = std::min(e.end_ms - e.start_ms, m.drafter_vision_ms);
        TimelineEvent head = e, tail = e;
        head.end_ms = tail.start_ms = e.start_ms + vision;
        if (vision > 0) lane_box(head, 1.15, 1.75, Palette::Vision(), false);
        lane_box(tail, 1.15, 1.75, Palette::Prefill(), false);
        const std::string label = absl::StrCat(vision > 0 ? "Vision + prefill " : "Prefill ",
                                               absl::StrFormat("%.1f ms", e.end_ms - e.start_ms));
        if (c.X(e.end_ms) - c.X(e.start_ms) > c.TextSize(label, 0.8).width + 6) {
          const cv::Size size = c.TextSize(label, 0.8);
          const cv::Point at(c.X((e.start_ms + e.end_ms) / 2), c.Y(1.45) + 8);
          cv::rectangle(c.image(), cv::Rect(at.x - size.width / 2 - 5, at.y - size.height - 5, size.width + 10, size.height + 12),
                        cv::Scalar(255, 255, 255), cv::FILLED);
          c.Text(label, at, 0.8, Palette::Ink(), Align::kCenter);
        }
      } else if (e.phase == "draft" && e.start_ms < m.prefill_phase_ms) {
        // Hidden drafts: the first predicts the target's own first token
        // (dropped or used as a gate); then accepted up to the first miss.
        for (int t = 0; t < std::max(1, e.tokens); ++t, ++hidden_index) {
          const double w = (e.end_ms - e.start_ms) / std::max(1, e.tokens);
          TimelineEvent part = e;
          part.start_ms = e.start_ms + t * w;
          part.end_ms = part.start_ms + w;
          cv::Scalar fill = Palette::Dropped();
          if (hidden_index >= 1 && hidden_index - 1 < m.hidden_verified) {
            fill = hidden_index - 1 < m.hidden_accepted ? Palette::Accepted() : Palette::Rejected();
          }
          lane_box(part, 1.15, 1.75, fill, false);
        }
      } else {
        lane_box(e, 1.15, 1.75, e.phase == "draft" ? Palette::Decode() : e.phase == "adapter" ? Palette::Adapter()
                                                                                          : Palette::Series(7), false);
      }
    } else if (e.lane == "target") {
      if (e.phase == "prefill") {
        const double vision = std::min(e.end_ms - e.start_ms, m.vision_ms);
        TimelineEvent head = e, tail = e;
        head.end_ms = tail.start_ms = e.start_ms + vision;
        if (vision > 0) lane_box(head, 0.25, 0.85, Palette::Vision(), true);
        lane_box(tail, 0.25, 0.85, Palette::Prefill(), true);
        const std::string label = absl::StrCat(vision > 0 ? "Target vision + prefill " : "Target prefill ",
                                               absl::StrFormat("%.1f ms", e.end_ms - e.start_ms));
        const cv::Size size = c.TextSize(label, 0.9, 2);
        const cv::Point at(c.X((e.start_ms + e.end_ms) / 2), c.Y(0.55) + 8);
        cv::rectangle(c.image(), cv::Rect(at.x - size.width / 2 - 6, at.y - size.height - 6, size.width + 12, size.height + 14),
                      cv::Scalar(255, 255, 255), cv::FILLED);
        c.Text(label, at, 0.9, Palette::Ink(), Align::kCenter, 2);
      } else if (e.phase == "idle") {
        lane_box(e, 0.25, 0.85, Palette::Idle(), false);
      } else {
        lane_box(e, 0.25, 0.85, e.phase == "verify" ? Palette::Verify() : Palette::Decode(), false);
        // Accepted drafts of the round as a green strip along the top of the span.
        if (e.accepted > 0 && e.tokens > 0) {
          const double frac = static_cast<double>(e.accepted) / e.tokens;
          c.Box(e.start_ms, 0.72, e.start_ms + (e.end_ms - e.start_ms) * frac, 0.85, Palette::Accepted());
        }
      }
    }
  }
  // Lane names.
  c.Text("Drafter", {c.plot().x - 14, c.Y(1.45) - 4}, 1.0, Palette::Ink(), Align::kRight, 2);
  c.Text("(hidden lane)", {c.plot().x - 14, c.Y(1.45) + 24}, 0.8, cv::Scalar(90, 90, 90), Align::kRight);
  c.Text("Target", {c.plot().x - 14, c.Y(0.55) - 4}, 1.0, Palette::Ink(), Align::kRight, 2);
  c.Text("(verifier)", {c.plot().x - 14, c.Y(0.55) + 24}, 0.8, cv::Scalar(90, 90, 90), Align::kRight);
  // The hidden window: drafter prefill end -> target prefill end.
  if (m.free_tokens > 0) {
    const double from = r.times.drafter_prefill_ms, to = r.times.target_prefill_ms;
    const int y = c.Y(1.0);
    cv::arrowedLine(c.image(), {c.X(from), y}, {c.X(to), y}, cv::Scalar(40, 40, 210), 2, cv::LINE_AA, 0, 0.02);
    cv::arrowedLine(c.image(), {c.X(to), y}, {c.X(from), y}, cv::Scalar(40, 40, 210), 2, cv::LINE_AA, 0, 0.02);
    c.Text(absl::StrFormat("%lld free tokens in %.1f ms (overlap %.1f ms, gap %.1f ms)", static_cast<long long>(m.free_tokens),
                           to - from, m.overlap_ms, m.gap_ms),
           {c.X((from + to) / 2), y - 10}, 0.85, cv::Scalar(40, 40, 210), Align::kCenter, 2);
  }
  c.Frame();
  c.Title(absl::StrFormat("Prefill hiding timeline: %s, sample %s%s", config, rec->id, MockNote(in)));
  c.LegendRow({{"Vision", Palette::Vision()},
               {"LLM prefill", Palette::Prefill()},
               {"Hidden draft accepted", Palette::Accepted()},
               {"Hidden draft rejected", Palette::Rejected()},
               {"First / unverified hidden draft", Palette::Dropped()},
               {"Target idle (waiting for the drafter)", Palette::Idle()},
               {"Verify round (green: accepted share)", Palette::Verify()},
               {"Decode step / decode-phase draft", Palette::Decode()},
               {"Adapter pass", Palette::Adapter()}},
              82);

  // Text block: the outputs, accepted draft tokens in green.
  std::vector<bool> green(r.tokens.size(), false);
  size_t pos = 1;  // token 0 comes from the target's prefill
  for (const TimelineEvent& e : r.timeline) {
    if (e.lane != "target" || (e.phase != "verify" && e.phase != "decode")) continue;
    for (int i = 0; i < e.tokens && pos < green.size(); ++i, ++pos) green[pos] = i < e.accepted;
  }
  const auto baseline = ById(RecordsOf(in.records, s.baseline));
  auto b = baseline.find(rec->id);
  std::string headline = absl::StrFormat("%s: %lld of %lld drafted tokens accepted, %.1f ms total", config,
                                         static_cast<long long>(m.accepted), static_cast<long long>(m.drafted), m.total_ms);
  if (b != baseline.end() && m.total_ms > 0) {
    headline += absl::StrFormat("; baseline %.1f ms -> %.2fx for this sample", b->second->result.times.total_ms,
                                b->second->result.times.total_ms / m.total_ms);
  }
  int y = 690;
  c.Text(headline, {60, y}, 1.0, Palette::Ink(), Align::kLeft, 2);
  y = TokenLine(c, "SD output:", r.tokens, green, 60, y + 50, kW - 40);
  if (b != baseline.end()) y = TokenLine(c, "Baseline:", b->second->result.tokens, {}, 60, y + 44, kW - 40);
  c.Text("Token ids. Green = accepted draft tokens (no target forward of their own); black = tokens from target "
         "forwards (prefill, bonus, correction, decode).",
         {60, std::min(kH - 20, y + 50)}, 0.8, cv::Scalar(90, 90, 90));
  return c.Save(path);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WriteCharts(const ReportInput& input, const RunSummary& summary,
                                                     const std::string& output_dir) {
  std::vector<std::string> paths = {PathFor(output_dir, "speedup_comparison", input),
                                    PathFor(output_dir, "timing_breakdown", input),
                                    PathFor(output_dir, "accept_rate_comparison", input),
                                    PathFor(output_dir, "prefill_hiding", input)};
  XSD_RETURN_IF_ERROR(SpeedupChart(input, summary, paths[0]));
  XSD_RETURN_IF_ERROR(TimingChart(input, summary, paths[1]));
  XSD_RETURN_IF_ERROR(AcceptChart(input, summary, paths[2]));
  XSD_RETURN_IF_ERROR(TimelineChart(input, summary, paths[3]));
  return paths;
}

}  // namespace xsd::bench

#else  // no OpenCV: reports without charts

namespace xsd::bench {

absl::StatusOr<std::vector<std::string>> WriteCharts(const ReportInput&, const RunSummary&, const std::string&) {
  return std::vector<std::string>();
}

}  // namespace xsd::bench

#endif
