// Rendering of one synthetic scene. All randomness is drawn once, in the
// constructor, from xsd::Rng; rendering is integer drawing without
// antialiasing, so frames are identical on every run and platform.
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/rng.h"
#include "xsd/media/synthetic_scene.h"

namespace xsd {
namespace {

struct NamedColor {
  const char* name;
  cv::Scalar rgb;
};

const NamedColor kPalette[] = {
    {"red", {220, 40, 40}},   {"blue", {40, 70, 220}},   {"yellow", {235, 210, 40}}, {"green", {40, 170, 70}},
    {"white", {245, 245, 245}}, {"black", {20, 20, 20}}, {"orange", {240, 140, 30}}, {"purple", {140, 60, 180}},
};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

struct MovingObject {
  bool disc = false;
  int w = 0;  // box width, or disc diameter
  int h = 0;
  double x0 = 0, y0 = 0;  // top-left at t = 0
  double vx = 0, vy = 0;  // pixels per frame
  int color = 0;          // index into kPalette
};

double Between(Rng& rng, double lo, double hi) { return lo + (hi - lo) * rng.Uniform(); }
int IntBetween(Rng& rng, int lo, int hi) { return lo + static_cast<int>(rng.Below(static_cast<uint64_t>(hi - lo + 1))); }

// Floor modulo for doubles: the result is in [0, m).
double WrapTo(double v, double m) { return v - m * std::floor(v / m); }

std::string Direction(double vx, double vy) {
  const char* horizontal = vx > 0.5 ? "right" : (vx < -0.5 ? "left" : "");
  const char* vertical = vy > 0.5 ? "down" : (vy < -0.5 ? "up" : "");
  if (*horizontal && *vertical) return absl::StrCat(vertical, "-", horizontal);
  if (*horizontal) return horizontal;
  if (*vertical) return vertical;
  return "slowly";
}

}  // namespace

struct SyntheticScene::Layout {
  int width = 0;
  int height = 0;
  int horizon = 0;
  int pan = 0;         // backdrop shift in pixels per frame (camera yaw)
  int dash_speed = 0;  // lane dashes move down this many pixels per frame
  cv::Mat backdrop;    // RGB, 2 * width wide: a tile of period `width`, twice
  std::vector<MovingObject> objects;
};

SyntheticScene::SyntheticScene(uint64_t seed, int index, int width, int height) {
  auto layout = std::make_unique<Layout>();
  Rng rng(MixHash(seed, static_cast<uint64_t>(index)));
  layout->width = width;
  layout->height = height;
  layout->horizon = height * 9 / 20;
  layout->pan = IntBetween(rng, -2, 2);
  layout->dash_speed = IntBetween(rng, 2, 6);

  // Backdrop tile: sky gradient above the horizon, buildings with lit windows,
  // grass below. Buildings crossing the tile's right edge are drawn again one
  // period to the left so the tile repeats seamlessly while panning.
  cv::Mat tile(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    const cv::Scalar sky(120 + 80 * y / std::max(layout->horizon, 1), 170 + 50 * y / std::max(layout->horizon, 1), 235);
    tile.row(y).setTo(y < layout->horizon ? sky : cv::Scalar(70, 110, 60));
  }
  const int buildings = IntBetween(rng, 5, 9);
  for (int b = 0; b < buildings; ++b) {
    const int bw = IntBetween(rng, width / 16, width / 5);
    const int bh = IntBetween(rng, layout->horizon / 3, layout->horizon * 9 / 10);
    const int bx = IntBetween(rng, 0, width - 1);
    const int shade = IntBetween(rng, 80, 190);
    for (int copy = 0; copy < 2; ++copy) {
      const int x = bx - copy * width;
      const cv::Rect body(x, layout->horizon - bh, bw, bh);
      cv::rectangle(tile, body, cv::Scalar(shade, shade, shade + 10), cv::FILLED, cv::LINE_8);
      for (int wy = body.y + 4; wy + 5 < layout->horizon - 2; wy += 9) {
        for (int wx = x + 3; wx + 4 < x + bw - 2; wx += 8) {
          cv::rectangle(tile, cv::Rect(wx, wy, 4, 5), cv::Scalar(250, 230, 150), cv::FILLED, cv::LINE_8);
        }
      }
    }
  }
  cv::hconcat(tile, tile, layout->backdrop);

  const int count = IntBetween(rng, 2, 4);
  for (int i = 0; i < count; ++i) {
    MovingObject o;
    o.disc = rng.Below(3) == 0;
    o.w = IntBetween(rng, width / 12, width / 5);
    o.h = o.disc ? o.w : IntBetween(rng, o.w / 2, o.w * 3 / 4);
    o.x0 = Between(rng, 0, width - o.w);
    o.y0 = Between(rng, layout->horizon, std::max<double>(layout->horizon, height - o.h));
    o.vx = Between(rng, 1.5, 5.0) * (rng.Below(2) ? 1 : -1);
    o.vy = Between(rng, -1.2, 1.2);
    o.color = static_cast<int>(rng.Below(kPaletteSize));
    layout->objects.push_back(o);
  }
  layout_ = std::move(layout);
}

SyntheticScene::~SyntheticScene() = default;

int SyntheticScene::num_objects() const { return static_cast<int>(layout_->objects.size()); }

cv::Mat SyntheticScene::Render(int t) const {
  const Layout& l = *layout_;
  const int w = l.width;
  const int h = l.height;
  const int offset = ((l.pan * t) % w + w) % w;
  cv::Mat frame = l.backdrop(cv::Rect(offset, 0, w, h)).clone();

  // Road: a trapezoid from the horizon to the bottom edge, dashes moving down.
  const cv::Point road[4] = {{w * 11 / 24, l.horizon}, {w * 13 / 24, l.horizon}, {w - 1, h - 1}, {0, h - 1}};
  cv::fillConvexPoly(frame, road, 4, cv::Scalar(95, 95, 100), cv::LINE_8);
  const int span = h - l.horizon;
  const int period = std::max(span / 4, 8);
  for (int k = 0; k < 5; ++k) {
    const int y = l.horizon + (k * period + l.dash_speed * t) % (period * 5) - period;
    const int y0 = std::max(y, l.horizon);
    const int y1 = std::min(y + period / 2, h - 1);
    if (y1 <= y0) continue;
    const int half0 = 1 + (y0 - l.horizon) / 24;
    const int half1 = 1 + (y1 - l.horizon) / 24;
    const cv::Point dash[4] = {{w / 2 - half0, y0}, {w / 2 + half0, y0}, {w / 2 + half1, y1}, {w / 2 - half1, y1}};
    cv::fillConvexPoly(frame, dash, 4, cv::Scalar(240, 240, 240), cv::LINE_8);
  }

  // Objects wrap around a margin outside the frame so each clip keeps moving.
  for (const MovingObject& o : l.objects) {
    const double span_x = w + o.w;
    const double span_y = (h - l.horizon) + o.h;
    const int x = static_cast<int>(std::lround(WrapTo(o.x0 + o.vx * t + o.w, span_x))) - o.w;
    const int y = l.horizon - o.h + static_cast<int>(std::lround(WrapTo(o.y0 - l.horizon + o.h + o.vy * t, span_y)));
    const cv::Scalar color = kPalette[o.color].rgb;
    if (o.disc) {
      cv::circle(frame, cv::Point(x + o.w / 2, y + o.w / 2), o.w / 2, color, cv::FILLED, cv::LINE_8);
    } else {
      cv::rectangle(frame, cv::Rect(x, y, o.w, o.h), color, cv::FILLED, cv::LINE_8);
      // Dark wheels make the boxes read as vehicles and add edges.
      const int r = std::max(o.h / 6, 2);
      cv::circle(frame, cv::Point(x + o.w / 4, y + o.h), r, cv::Scalar(15, 15, 15), cv::FILLED, cv::LINE_8);
      cv::circle(frame, cv::Point(x + 3 * o.w / 4, y + o.h), r, cv::Scalar(15, 15, 15), cv::FILLED, cv::LINE_8);
    }
  }
  return frame;
}

std::string SyntheticScene::Describe() const {
  const Layout& l = *layout_;
  std::vector<std::string> parts;
  for (const MovingObject& o : l.objects) {
    parts.push_back(absl::StrCat("a ", kPalette[o.color].name, " ", o.disc ? "ball" : "car", " moving ",
                                 Direction(o.vx, o.vy)));
  }
  const char* camera = l.pan > 0 ? "the camera turns right" : (l.pan < 0 ? "the camera turns left" : "the camera looks straight ahead");
  return absl::StrCat("A synthetic street scene with buildings along a road; ", camera, ". Moving: ",
                      absl::StrJoin(parts, ", "), ".");
}

}  // namespace xsd
