// Helpers for the driving world's tests: object masks read off rendered
// pixels (an object's pixels are those that differ from the scene rendered
// without objects), event-pixel queries, and colour names of pixels by
// hand-set rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <ATen/ATen.h>

#include "xsd/media/driving_scene.h"

namespace xsd::testing {

struct PixelBox {
  int x0 = std::numeric_limits<int>::max(), y0 = std::numeric_limits<int>::max(), x1 = -1, y1 = -1;  // inclusive
  int area = 0;
  bool empty() const { return area == 0; }
};

// [size, size] bool masks, one per frame: where `frames` differ from `backdrop`.
inline std::vector<std::vector<bool>> MasksAgainst(const at::Tensor& frames, const at::Tensor& backdrop) {
  const int64_t n = frames.size(0), pixels = frames.size(1) * frames.size(2);
  std::vector<std::vector<bool>> masks(n, std::vector<bool>(pixels, false));
  const uint8_t* f = frames.data_ptr<uint8_t>();
  const uint8_t* b = backdrop.data_ptr<uint8_t>();
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t p = 0; p < pixels; ++p) {
      const uint8_t* a = f + (t * pixels + p) * 3;
      const uint8_t* c = b + (t * pixels + p) * 3;
      masks[t][p] = a[0] != c[0] || a[1] != c[1] || a[2] != c[2];
    }
  }
  return masks;
}

// The pixels of object `i` alone, per frame.
inline std::vector<std::vector<bool>> ObjectMasks(const DrivingScene& scene, int i, int size, int frames) {
  DrivingScene empty = scene;
  empty.objects.clear();
  DrivingScene solo = empty;
  solo.objects = {scene.objects[i]};
  return MasksAgainst(*RenderDrivingVideo(solo, frames, size), *RenderDrivingVideo(empty, frames, size));
}

inline PixelBox BoxOf(const std::vector<bool>& mask, int size) {
  PixelBox b;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      if (!mask[y * size + x]) continue;
      b.x0 = std::min(b.x0, x);
      b.y0 = std::min(b.y0, y);
      b.x1 = std::max(b.x1, x);
      b.y1 = std::max(b.y1, y);
      ++b.area;
    }
  }
  return b;
}

// Pixels whose whole (2r+1)^2 neighbourhood is in the mask.
inline std::vector<bool> Erode(const std::vector<bool>& mask, int size, int r) {
  std::vector<bool> out(mask.size(), false);
  for (int y = r; y < size - r; ++y) {
    for (int x = r; x < size - r; ++x) {
      bool all = true;
      for (int dy = -r; dy <= r && all; ++dy) {
        for (int dx = -r; dx <= r && all; ++dx) all = mask[(y + dy) * size + x + dx];
      }
      out[y * size + x] = all;
    }
  }
  return out;
}

inline bool IsWhite(const uint8_t* p) { return p[0] == 255 && p[1] == 255 && p[2] == 255; }
inline bool IsRed(const uint8_t* p) { return p[0] == 255 && p[1] == 0 && p[2] == 0; }
inline bool IsBlue(const uint8_t* p) { return p[0] == 0 && p[1] == 0 && p[2] == 255; }

// The colour name a person would give (r, g, b), by hand-set rules:
// greys (max - min < 50) are white when bright (max > 140), else black;
// other colours by hue: red below 30 or from 330 degrees, yellow below 90,
// green below 180, blue below 330.
inline DrivingColor NamedColor(int r, int g, int b) {
  const int mx = std::max({r, g, b}), mn = std::min({r, g, b});
  if (mx - mn < 50) return mx > 140 ? DrivingColor::kWhite : DrivingColor::kBlack;
  const double d = mx - mn;
  double hue = mx == r ? 60.0 * (g - b) / d : (mx == g ? 60.0 * (b - r) / d + 120 : 60.0 * (r - g) / d + 240);
  if (hue < 0) hue += 360;
  if (hue < 30 || hue >= 330) return DrivingColor::kRed;
  if (hue < 90) return DrivingColor::kYellow;
  if (hue < 180) return DrivingColor::kGreen;
  return DrivingColor::kBlue;
}

// The colour name most of the mask's pixels in one [size, size, 3] frame are
// nearest to, leaving out the outline's near-black (max channel < 20);
// `voters` is how many pixels voted.
inline DrivingColor DominantColor(const uint8_t* frame, const std::vector<bool>& mask, int* voters) {
  int votes[6] = {0, 0, 0, 0, 0, 0};
  *voters = 0;
  for (size_t p = 0; p < mask.size(); ++p) {
    const uint8_t* px = frame + 3 * p;
    if (!mask[p] || std::max({px[0], px[1], px[2]}) < 20) continue;
    ++votes[static_cast<int>(NamedColor(px[0], px[1], px[2]))];
    ++*voters;
  }
  int best = 0;
  for (int c = 1; c < 6; ++c) best = votes[c] > votes[best] ? c : best;
  return static_cast<DrivingColor>(best);
}

}  // namespace xsd::testing
