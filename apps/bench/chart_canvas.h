// A small drawing layer for the report charts, on OpenCV primitives
// (cv::rectangle, cv::line, cv::putText): a white canvas with a plot area,
// "nice" axis ticks, grid lines, category labels, a legend box and a title.
// Coordinates given to the plot helpers are data units; the canvas maps them
// to pixels.
//
// Only chart code includes this header (it needs OpenCV).
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/status.h"

namespace xsd::bench {

// Colours (BGR), shared by every chart so a phase looks the same everywhere.
struct Palette {
  static cv::Scalar Vision() { return {170, 160, 0}; }      // teal
  static cv::Scalar Prefill() { return {0, 152, 255}; }     // orange
  static cv::Scalar Decode() { return {243, 150, 33}; }     // blue
  static cv::Scalar Verify() { return {176, 39, 156}; }     // purple
  static cv::Scalar Accepted() { return {60, 160, 40}; }    // dark green
  static cv::Scalar Rejected() { return {60, 60, 220}; }    // red
  static cv::Scalar Dropped() { return {170, 170, 170}; }   // grey
  static cv::Scalar Idle() { return {225, 225, 225}; }      // light grey
  static cv::Scalar Adapter() { return {194, 119, 227}; }   // pink
  static cv::Scalar Ink() { return {30, 30, 30}; }
  static cv::Scalar Grid() { return {225, 225, 225}; }
  static cv::Scalar Series(int i);                          // categorical colours for bars
};

enum class Align { kLeft, kCenter, kRight };

struct LegendItem {
  std::string label;
  cv::Scalar color;
  bool hatched = false;
};

// Ticks of a "nice" axis covering [lo, hi]: steps of 1, 2 or 5 x 10^k.
std::vector<double> NiceTicks(double lo, double hi, int target_count = 6);

class ChartCanvas {
 public:
  // `plot` is the plot area in pixels inside a width x height canvas.
  ChartCanvas(int width, int height, cv::Rect plot);

  cv::Mat& image() { return image_; }
  const cv::Rect& plot() const { return plot_; }

  // Data ranges of the plot area.
  void SetXRange(double lo, double hi) { x_lo_ = lo, x_hi_ = hi; }
  void SetYRange(double lo, double hi) { y_lo_ = lo, y_hi_ = hi; }
  int X(double x) const;  // data -> pixel
  int Y(double y) const;

  // Text; `scale` 1.0 is about 22 px tall. y is the baseline.
  void Text(const std::string& text, cv::Point at, double scale, cv::Scalar color, Align align = Align::kLeft,
            int thickness = 1);
  // Text rotated by 90 degrees (reads bottom to top), centred on `center`.
  void VerticalText(const std::string& text, cv::Point center, double scale, cv::Scalar color);
  cv::Size TextSize(const std::string& text, double scale, int thickness = 1) const;

  void Title(const std::string& title);
  // Axes with ticks and labels; `format` like "%.0f" or "%.1fx".
  void YAxis(const std::vector<double>& ticks, const std::string& format, const std::string& label, bool grid = true);
  void XAxis(const std::vector<double>& ticks, const std::string& format, const std::string& label, bool grid = false);
  // Category labels under the plot at data x positions.
  void Categories(const std::vector<double>& xs, const std::vector<std::string>& labels);
  void Frame();

  // A filled rectangle in data units, with a dark outline; optional hatching.
  void Box(double x0, double y0, double x1, double y1, cv::Scalar fill, bool hatched = false);
  // Pixel-space rectangle, same style.
  void PixelBox(cv::Rect r, cv::Scalar fill, bool hatched = false, bool outline = true);
  void DashedHLine(double y, cv::Scalar color);

  // Legend in the plot's top-right (or top-left) corner.
  void Legend(const std::vector<LegendItem>& items, bool left = false);
  // Legend as one centred row at pixel height `y` (between title and plot).
  void LegendRow(const std::vector<LegendItem>& items, int y);

  // A PNG, written atomically (atomic_file.h).
  absl::Status Save(const std::string& path) const;

 private:
  cv::Mat image_;
  cv::Rect plot_;
  double x_lo_ = 0, x_hi_ = 1, y_lo_ = 0, y_hi_ = 1;
};

}  // namespace xsd::bench
