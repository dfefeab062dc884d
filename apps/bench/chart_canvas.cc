#include "chart_canvas.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atomic_file.h"

namespace xsd::bench {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontUnit = 0.7;  // putText scale for Text scale 1.0

std::string FormatTick(const std::string& format, double v) {
  // absl::StrFormat needs a compile-time format; ticks use a small fixed set.
  if (format == "%.0f") return absl::StrFormat("%.0f", v);
  if (format == "%.1f") return absl::StrFormat("%.1f", v);
  if (format == "%.2f") return absl::StrFormat("%.2f", v);
  if (format == "%.1fx") return absl::StrFormat("%.1fx", v);
  if (format == "%.2fx") return absl::StrFormat("%.2fx", v);
  if (format == "%.0f%%") return absl::StrFormat("%.0f%%", v);
  return absl::StrFormat("%g", v);
}

}  // namespace

cv::Scalar Palette::Series(int i) {
  static const cv::Scalar kSeries[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},  {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140}, {194, 119, 227}, {127, 127, 127},
                                       {34, 189, 188}, {207, 190, 23}};
  return kSeries[i % 10];
}

std::vector<double> NiceTicks(double lo, double hi, int target_count) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target_count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) {
    ticks.push_back(std::abs(t) < 1e-12 ? 0.0 : t);
  }
  return ticks;
}

ChartCanvas::ChartCanvas(int width, int height, cv::Rect plot)
    : image_(height, width, CV_8UC3, cv::Scalar(255, 255, 255)), plot_(plot) {}

int ChartCanvas::X(double x) const {
  return plot_.x + static_cast<int>(std::lround((x - x_lo_) / (x_hi_ - x_lo_) * plot_.width));
}

int ChartCanvas::Y(double y) const {
  return plot_.y + plot_.height - static_cast<int>(std::lround((y - y_lo_) / (y_hi_ - y_lo_) * plot_.height));
}

cv::Size ChartCanvas::TextSize(const std::string& text, double scale, int thickness) const {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale * kFontUnit, thickness, &baseline);
}

void ChartCanvas::Text(const std::string& text, cv::Point at, double scale, cv::Scalar color, Align align, int thickness) {
  const cv::Size size = TextSize(text, scale, thickness);
  if (align == Align::kCenter) at.x -= size.width / 2;
  if (align == Align::kRight) at.x -= size.width;
  cv::putText(image_, text, at, kFont, scale * kFontUnit, color, thickness, cv::LINE_AA);
}

void ChartCanvas::VerticalText(const std::string& text, cv::Point center, double scale, cv::Scalar color) {
  const cv::Size size = TextSize(text, scale);
  cv::Mat patch(size.height + 10, size.width + 4, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(patch, text, cv::Point(2, size.height + 3), kFont, scale * kFontUnit, color, 1, cv::LINE_AA);
  cv::Mat rotated;
  cv::rotate(patch, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int x = std::max(0, center.x - rotated.cols / 2);
  const int y = std::max(0, center.y - rotated.rows / 2);
  const cv::Rect dst(x, y, std::min(rotated.cols, image_.cols - x), std::min(rotated.rows, image_.rows - y));
  rotated(cv::Rect(0, 0, dst.width, dst.height)).copyTo(image_(dst));
}

void ChartCanvas::Title(const std::string& title) {
  Text(title, cv::Point(image_.cols / 2, 44), 1.35, Palette::Ink(), Align::kCenter, 2);
}

void ChartCanvas::YAxis(const std::vector<double>& ticks, const std::string& format, const std::string& label, bool grid) {
  for (double t : ticks) {
    const int y = Y(t);
    if (y < plot_.y - 1 || y > plot_.y + plot_.height + 1) continue;
    if (grid) cv::line(image_, {plot_.x, y}, {plot_.x + plot_.width, y}, Palette::Grid(), 1, cv::LINE_AA);
    cv::line(image_, {plot_.x - 6, y}, {plot_.x, y}, Palette::Ink(), 1, cv::LINE_AA);
    Text(FormatTick(format, t), {plot_.x - 10, y + 7}, 0.85, Palette::Ink(), Align::kRight);
  }
  if (!label.empty()) VerticalText(label, {std::max(18, plot_.x - 80), plot_.y + plot_.height / 2}, 0.95, Palette::Ink());
}

void ChartCanvas::XAxis(const std::vector<double>& ticks, const std::string& format, const std::string& label, bool grid) {
  const int base = plot_.y + plot_.height;
  for (double t : ticks) {
    const int x = X(t);
    if (x < plot_.x - 1 || x > plot_.x + plot_.width + 1) continue;
    if (grid) cv::line(image_, {x, plot_.y}, {x, base}, Palette::Grid(), 1, cv::LINE_AA);
    cv::line(image_, {x, base}, {x, base + 6}, Palette::Ink(), 1, cv::LINE_AA);
    Text(FormatTick(format, t), {x, base + 28}, 0.85, Palette::Ink(), Align::kCenter);
  }
  if (!label.empty()) Text(label, {plot_.x + plot_.width / 2, base + 62}, 0.95, Palette::Ink(), Align::kCenter);
}

void ChartCanvas::Categories(const std::vector<double>& xs, const std::vector<std::string>& labels) {
  const int base = plot_.y + plot_.height;
  for (size_t i = 0; i < xs.size() && i < labels.size(); ++i) {
    const int x = X(xs[i]);
    cv::line(image_, {x, base}, {x, base + 6}, Palette::Ink(), 1, cv::LINE_AA);
    Text(labels[i], {x, base + 30}, 0.95, Palette::Ink(), Align::kCenter);
  }
}

void ChartCanvas::Frame() { cv::rectangle(image_, plot_, Palette::Ink(), 1, cv::LINE_AA); }

void ChartCanvas::PixelBox(cv::Rect r, cv::Scalar fill, bool hatched, bool outline) {
  if (r.width <= 0 || r.height <= 0) return;
  cv::rectangle(image_, r, fill, cv::FILLED);
  if (hatched) {
    const cv::Scalar ink(70, 70, 70);
    cv::Mat roi = image_(r & cv::Rect(0, 0, image_.cols, image_.rows));
    for (int d = -r.height; d < r.width; d += 14) {
      cv::line(roi, {d, r.height}, {d + r.height, 0}, ink, 1, cv::LINE_AA);
    }
  }
  if (outline) cv::rectangle(image_, r, Palette::Ink(), 1, cv::LINE_AA);
}

void ChartCanvas::Box(double x0, double y0, double x1, double y1, cv::Scalar fill, bool hatched) {
  const int px0 = X(std::min(x0, x1)), px1 = X(std::max(x0, x1));
  const int py0 = Y(std::max(y0, y1)), py1 = Y(std::min(y0, y1));
  PixelBox(cv::Rect(px0, py0, std::max(1, px1 - px0), std::max(1, py1 - py0)), fill, hatched);
}

void ChartCanvas::DashedHLine(double y, cv::Scalar color) {
  const int py = Y(y);
  for (int x = plot_.x; x < plot_.x + plot_.width; x += 16) {
    cv::line(image_, {x, py}, {std::min(x + 9, plot_.x + plot_.width), py}, color, 2, cv::LINE_AA);
  }
}

void ChartCanvas::Legend(const std::vector<LegendItem>& items, bool left) {
  if (items.empty()) return;
  int width = 0;
  for (const LegendItem& it : items) width = std::max(width, TextSize(it.label, 0.85).width);
  const int row = 30, sw = 34;
  const cv::Size box(width + sw + 34, static_cast<int>(items.size()) * row + 14);
  const int x = left ? plot_.x + 12 : plot_.x + plot_.width - box.width - 12;
  const int y = plot_.y + 12;
  cv::rectangle(image_, cv::Rect(x, y, box.width, box.height), cv::Scalar(255, 255, 255), cv::FILLED);
  cv::rectangle(image_, cv::Rect(x, y, box.width, box.height), cv::Scalar(160, 160, 160), 1, cv::LINE_AA);
  for (size_t i = 0; i < items.size(); ++i) {
    const int ry = y + 10 + static_cast<int>(i) * row;
    PixelBox(cv::Rect(x + 10, ry + 3, sw, row - 10), items[i].color, items[i].hatched);
    Text(items[i].label, {x + sw + 20, ry + row - 9}, 0.85, Palette::Ink());
  }
}

void ChartCanvas::LegendRow(const std::vector<LegendItem>& items, int y) {
  const int sw = 30, gap = 36;
  auto width_of = [&](const LegendItem& it) { return sw + 10 + TextSize(it.label, 0.85).width; };
  // Greedy rows no wider than the plot, each centred.
  std::vector<std::vector<const LegendItem*>> rows(1);
  int used = 0;
  for (const LegendItem& it : items) {
    const int w = width_of(it) + (rows.back().empty() ? 0 : gap);
    if (!rows.back().empty() && used + w > plot_.width) {
      rows.emplace_back();
      used = 0;
    }
    used += width_of(it) + (rows.back().empty() ? 0 : gap);
    rows.back().push_back(&it);
  }
  for (const auto& row : rows) {
    int total = -gap;
    for (const LegendItem* it : row) total += width_of(*it) + gap;
    int x = plot_.x + (plot_.width - total) / 2;
    for (const LegendItem* it : row) {
      PixelBox(cv::Rect(x, y - 16, sw, 20), it->color, it->hatched);
      Text(it->label, {x + sw + 10, y}, 0.85, Palette::Ink());
      x += width_of(*it) + gap;
    }
    y += 32;
  }
}

absl::Status ChartCanvas::Save(const std::string& path) const {
  try {
    std::vector<uchar> png;
    if (!cv::imencode(".png", image_, png)) return absl::InternalError(absl::StrCat(path, ": cannot encode PNG"));
    return WriteFileAtomically(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat(path, ": ", e.what()));
  }
}

}  // namespace xsd::bench
