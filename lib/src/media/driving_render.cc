// Rendering of the driving world into uint8 RGB buffers: a static street
// (sky, grass, a three-lane road with dashed markings; bright by day, dark
// by night), objects as black-outlined rectangles filled with their colour,
// event images from consecutive frames, and CLIP normalisation.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "media/driving_geometry.h"
#include "media/event_polarity.h"
#include "xsd/base/status.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/event_image.h"
#include "xsd/media/image.h"

namespace xsd {
namespace {

using namespace driving_internal;

struct Rgb {
  uint8_t r, g, b;
};

// Every colour here is brighter than the outlines' black by more than the
// event threshold, so an outline crossing any of them fires the same event.
Rgb ColorOf(DrivingColor c) {
  switch (c) {
    case DrivingColor::kRed: return {200, 30, 30};
    case DrivingColor::kBlue: return {35, 75, 215};
    case DrivingColor::kGreen: return {40, 160, 60};
    case DrivingColor::kYellow: return {235, 205, 35};
    case DrivingColor::kWhite: return {240, 240, 240};
    case DrivingColor::kBlack: return {40, 40, 40};
  }
  return {200, 30, 30};
}
constexpr Rgb kOutlineBlack = {0, 0, 0};

struct Backdrop {
  Rgb sky, grass, road, marking;
};
Backdrop BackdropOf(DrivingLight light) {
  if (light == DrivingLight::kDay) return {{150, 195, 235}, {95, 150, 80}, {125, 125, 130}, {235, 235, 235}};
  return {{18, 22, 45}, {22, 40, 28}, {50, 50, 56}, {140, 140, 130}};
}

// One frame of side `size`, pixel (x, y) at data[3 * (y * size + x)].
class Canvas {
 public:
  Canvas(uint8_t* data, int size) : data_(data), size_(size) {}

  void Set(int x, int y, Rgb c) {
    uint8_t* p = data_ + 3 * (static_cast<size_t>(y) * size_ + x);
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  // Pixels [x0, x1) x [y0, y1), clipped to the frame.
  void FillRect(int x0, int y0, int x1, int y1, Rgb c) {
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, size_);
    y1 = std::min(y1, size_);
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) Set(x, y, c);
    }
  }
  int size() const { return size_; }

 private:
  uint8_t* data_;
  int size_;
};

void DrawBackdrop(DrivingLight light, Canvas& canvas) {
  const Backdrop colors = BackdropOf(light);
  const int size = canvas.size();
  const double px = 1.0 / size;
  for (int y = 0; y < size; ++y) {
    const double fy = (y + 0.5) * px;
    // Lane markings: dashes along the two lane borders, at least one pixel wide.
    const double half_marking = std::max(0.6 * px, 0.006 * fy);
    const bool dash = static_cast<int>(std::floor((fy - kHorizon) * 25.0)) % 2 == 0;
    for (int x = 0; x < size; ++x) {
      const double fx = (x + 0.5) * px;
      Rgb c = colors.sky;
      if (fy >= kHorizon) {
        c = std::abs(fx - 0.5) <= fy / 2 ? colors.road : colors.grass;
        if (dash && (std::abs(fx - (0.5 - fy / 6)) <= half_marking || std::abs(fx - (0.5 + fy / 6)) <= half_marking)) {
          c = colors.marking;
        }
      }
      canvas.Set(x, y, c);
    }
  }
}

int ToPixel(double v, int size) { return static_cast<int>(std::lround(v * size)); }

void DrawObject(const DrivingObject& o, int t, Canvas& canvas) {
  const int size = canvas.size();
  const int outline = (size + 63) / 64;  // ceil(size * kOutline)
  const Box box = ObjectBox(o, t);
  const double w = box.right - box.left;
  const double h = box.bottom - box.top;
  const bool mirrored = o.motion == DrivingMotion::kLeft;
  struct PixelRect {
    int x0, y0, x1, y1;
    bool black;
  };
  std::vector<PixelRect> rects;
  for (const Part& p : PartsOf(o.object_class)) {
    const double fx0 = mirrored ? 1.0 - p.x1 : p.x0;
    const double fx1 = mirrored ? 1.0 - p.x0 : p.x1;
    PixelRect r{ToPixel(box.left + fx0 * w, size), ToPixel(box.top + p.y0 * h, size),
                ToPixel(box.left + fx1 * w, size), ToPixel(box.top + p.y1 * h, size), p.black};
    r.x1 = std::max(r.x1, r.x0 + 1);
    r.y1 = std::max(r.y1, r.y0 + 1);
    rects.push_back(r);
  }
  for (const PixelRect& r : rects) {
    canvas.FillRect(r.x0 - outline, r.y0 - outline, r.x1 + outline, r.y1 + outline, kOutlineBlack);
  }
  const Rgb fill = ColorOf(o.color);
  for (const PixelRect& r : rects) {
    if (!r.black) canvas.FillRect(r.x0, r.y0, r.x1, r.y1, fill);
  }
  for (const PixelRect& r : rects) {
    if (r.black) canvas.FillRect(r.x0, r.y0, r.x1, r.y1, kOutlineBlack);
  }
}

absl::Status CheckSize(const char* what, int size) {
  if (size < 32) return absl::InvalidArgumentError(absl::StrCat(what, ": size must be >= 32, got ", size));
  return absl::OkStatus();
}

// [frames, size, size, 3] uint8; arguments already checked.
at::Tensor RenderFrames(const DrivingScene& scene, int frames, int size) {
  at::Tensor out = at::empty({frames, size, size, 3}, at::TensorOptions().dtype(at::kByte));
  uint8_t* base = out.data_ptr<uint8_t>();
  const size_t frame_bytes = 3ull * size * size;
  Canvas first(base, size);
  DrawBackdrop(scene.light, first);
  for (int t = 1; t < frames; ++t) std::memcpy(base + t * frame_bytes, base, frame_bytes);
  for (int t = 0; t < frames; ++t) {
    Canvas canvas(base + t * frame_bytes, size);
    for (const DrivingObject& o : scene.objects) DrawObject(o, t, canvas);
  }
  return out;
}

// [n, size, size, 3] uint8 -> [n, 3, size, size] float32 with the PIL-backed
// CLIP processor's arithmetic (image.h, ClipPreprocess): float(u8 * (1/255))
// in double, then (v - mean) / std in float.
at::Tensor ClipNormalize(const at::Tensor& rgb) {
  const ClipPreprocessOptions clip;
  float table[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int u = 0; u < 256; ++u) {
      const float v = static_cast<float>(static_cast<double>(u) * (1.0 / 255.0));
      table[c][u] = (v - clip.mean[c]) / clip.std[c];
    }
  }
  const int64_t n = rgb.size(0);
  const int64_t plane = rgb.size(1) * rgb.size(2);
  at::Tensor out = at::empty({n, 3, rgb.size(1), rgb.size(2)}, at::TensorOptions().dtype(at::kFloat));
  const uint8_t* src = rgb.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* s = src + i * plane * 3;
    float* d = dst + i * plane * 3;
    for (int64_t p = 0; p < plane; ++p) {
      for (int c = 0; c < 3; ++c) d[c * plane + p] = table[c][s[3 * p + c]];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<at::Tensor> RenderDrivingVideo(const DrivingScene& scene, int frames, int size) {
  XSD_RETURN_IF_ERROR(CheckSize("driving video", size));
  if (frames < 1) return absl::InvalidArgumentError(absl::StrCat("driving video: frames must be >= 1, got ", frames));
  return TorchCall("driving video", [&]() -> absl::StatusOr<at::Tensor> { return RenderFrames(scene, frames, size); });
}

absl::StatusOr<at::Tensor> RenderDrivingEventImage(const DrivingScene& scene, int size, int frames) {
  XSD_RETURN_IF_ERROR(CheckSize("driving event image", size));
  if (frames < 2) {
    return absl::InvalidArgumentError(absl::StrCat("driving event image: frames must be >= 2, got ", frames));
  }
  return TorchCall("driving event image", [&]() -> absl::StatusOr<at::Tensor> {
    const at::Tensor video = RenderFrames(scene, frames, size);
    const int64_t pixels = static_cast<int64_t>(size) * size;
    const uint8_t* rgb = video.data_ptr<uint8_t>();
    std::vector<int> before(pixels), after(pixels);
    for (int64_t p = 0; p < pixels; ++p) before[p] = media_internal::EventIntensity(rgb + 3 * p);
    at::Tensor out = at::full({size, size, 3}, 255, at::TensorOptions().dtype(at::kByte));
    uint8_t* events = out.data_ptr<uint8_t>();
    const EventImageOptions options;
    for (int t = 1; t < frames; ++t) {
      const uint8_t* frame = rgb + t * pixels * 3;
      for (int64_t p = 0; p < pixels; ++p) {
        after[p] = media_internal::EventIntensity(frame + 3 * p);
        const int polarity = media_internal::EventPolarity(before[p], after[p], options);
        if (polarity == 0) continue;  // the pixel keeps its last event
        events[3 * p + 0] = polarity > 0 ? 255 : 0;
        events[3 * p + 1] = 0;
        events[3 * p + 2] = polarity > 0 ? 0 : 255;
      }
      std::swap(before, after);
    }
    return out;
  });
}

absl::StatusOr<at::Tensor> DrivingVideoPixels(const DrivingScene& scene, int size, int frames) {
  XSD_ASSIGN_OR_RETURN(at::Tensor rgb, RenderDrivingVideo(scene, frames, size));
  return TorchCall("driving video pixels", [&]() -> absl::StatusOr<at::Tensor> { return ClipNormalize(rgb); });
}

absl::StatusOr<at::Tensor> DrivingEventPixels(const DrivingScene& scene, int size, int frames) {
  XSD_ASSIGN_OR_RETURN(at::Tensor rgb, RenderDrivingEventImage(scene, size, frames));
  return TorchCall("driving event pixels",
                   [&]() -> absl::StatusOr<at::Tensor> { return ClipNormalize(rgb.unsqueeze(0).contiguous()); });
}

}  // namespace xsd
