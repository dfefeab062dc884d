#include "media/pil_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"

namespace xsd {
namespace {

// Pillow's fixed-point format: 8 bits of pixel, 2 bits of headroom for the
// negative lobes and overshoot, 22 bits of fraction. torchvision never goes
// above it either.
constexpr int kMaxFractionBits = 22;

// Keys' cubic convolution kernel with a = -0.5, support [-2, 2]. The outer
// lobe is written as each library writes it: the value is the same up to the
// last bit of a double, and that last bit can move a weight across a rounding
// boundary after normalisation.
double CubicKernel(double x, BicubicFlavor flavor) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) {
    if (flavor == BicubicFlavor::kPillow) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  }
  return 0.0;
}

// Weights of one output pixel: source samples [first, first + count).
struct Taps {
  int first = 0;
  int count = 0;
  int offset = 0;  // into Filter::weights
};

// The 1-D filter of one pass: per output pixel its taps, weights in fixed point.
struct Filter {
  std::vector<Taps> taps;
  std::vector<int32_t> weights;
  int fraction_bits = kMaxFractionBits;
};

int32_t ToFixed(double w, int fraction_bits) {
  // Round half away from zero, as a C cast after adding +-0.5 does.
  const double scaled = w * static_cast<double>(1 << fraction_bits);
  return static_cast<int32_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
}

// torchvision's int16 weights: the first precision p at which the largest
// weight, at p + 1 bits, would no longer fit in int16 (capped at 22).
int Int16FractionBits(double max_weight) {
  int p = 0;
  for (; p < kMaxFractionBits; ++p) {
    if (static_cast<int>(0.5 + max_weight * (1 << (p + 1))) >= (1 << 15)) break;
  }
  return p;
}

Filter BuildFilter(int in_size, int out_size, BicubicFlavor flavor) {
  Filter f;
  f.taps.resize(out_size);
  // Pillow derives the scale from a float box (0, 0, w, h); in_size is exact in float.
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double stretch = std::max(scale, 1.0);  // widen the kernel only when shrinking
  const double support = 2.0 * stretch;
  const double inv_stretch = 1.0 / stretch;
  std::vector<double> w;
  std::vector<double> normalised;  // all weights of the pass, before fixed point
  for (int i = 0; i < out_size; ++i) {
    const double centre = (i + 0.5) * scale;
    // Truncation toward zero after +0.5 rounds these non-negative bounds to nearest.
    int lo = static_cast<int>(centre - support + 0.5);
    int hi = static_cast<int>(centre + support + 0.5);
    lo = std::max(lo, 0);
    hi = std::min(hi, in_size);
    const int count = hi - lo;
    w.assign(count, 0.0);
    double sum = 0.0;
    for (int k = 0; k < count; ++k) {
      // Distance from the centre of source pixel lo + k to the output centre,
      // in kernel units. The operation order matches Pillow's to the last bit.
      w[k] = CubicKernel((k + lo - centre + 0.5) * inv_stretch, flavor);
      sum += w[k];
    }
    f.taps[i] = {lo, count, static_cast<int>(normalised.size())};
    for (int k = 0; k < count; ++k) normalised.push_back(sum != 0.0 ? w[k] / sum : w[k]);
  }
  if (flavor == BicubicFlavor::kTorchvision) {
    double max_weight = normalised.empty() ? 0.0 : normalised[0];
    for (double v : normalised) max_weight = std::max(max_weight, v);
    f.fraction_bits = Int16FractionBits(max_weight);
  }
  f.weights.reserve(normalised.size());
  for (double v : normalised) f.weights.push_back(ToFixed(v, f.fraction_bits));
  return f;
}

// Fixed-point sum back to 8 bits: drop the fraction (floor), clamp.
inline uint8_t Clamp8(int32_t acc, int fraction_bits) {
  const int32_t v = acc >> fraction_bits;  // arithmetic shift: floor for negative sums
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Resamples rows [row_begin, row_end) of src horizontally into dst (one row per source row).
void HorizontalPass(const cv::Mat& src, int row_begin, int row_end, const Filter& f, cv::Mat* dst) {
  const int channels = src.channels();
  const int out_w = static_cast<int>(f.taps.size());
  const int32_t half = 1 << (f.fraction_bits - 1);
  for (int y = row_begin; y < row_end; ++y) {
    const uint8_t* in = src.ptr<uint8_t>(y);
    uint8_t* out = dst->ptr<uint8_t>(y - row_begin);
    for (int x = 0; x < out_w; ++x) {
      const Taps& t = f.taps[x];
      const int32_t* w = f.weights.data() + t.offset;
      const uint8_t* base = in + static_cast<size_t>(t.first) * channels;
      for (int c = 0; c < channels; ++c) {
        int32_t acc = half;
        for (int k = 0; k < t.count; ++k) acc += static_cast<int32_t>(base[k * channels + c]) * w[k];
        out[x * channels + c] = Clamp8(acc, f.fraction_bits);
      }
    }
  }
}

// Resamples src vertically; src row 0 is source row `row_offset` of the filter.
void VerticalPass(const cv::Mat& src, int row_offset, const Filter& f, cv::Mat* dst) {
  const int row_len = src.cols * src.channels();
  const int out_h = static_cast<int>(f.taps.size());
  std::vector<int32_t> acc(row_len);
  for (int y = 0; y < out_h; ++y) {
    const Taps& t = f.taps[y];
    const int32_t* w = f.weights.data() + t.offset;
    std::fill(acc.begin(), acc.end(), 1 << (f.fraction_bits - 1));
    for (int k = 0; k < t.count; ++k) {
      const uint8_t* in = src.ptr<uint8_t>(t.first - row_offset + k);
      const int32_t wk = w[k];
      for (int i = 0; i < row_len; ++i) acc[i] += static_cast<int32_t>(in[i]) * wk;
    }
    uint8_t* out = dst->ptr<uint8_t>(y);
    for (int i = 0; i < row_len; ++i) out[i] = Clamp8(acc[i], f.fraction_bits);
  }
}

}  // namespace

absl::StatusOr<cv::Mat> ResizeBicubicPil(const cv::Mat& src, int out_width, int out_height) {
  return ResizeBicubicAntialiased(src, out_width, out_height, BicubicFlavor::kPillow);
}

absl::StatusOr<cv::Mat> ResizeBicubicAntialiased(const cv::Mat& src, int out_width, int out_height,
                                                 BicubicFlavor flavor) {
  if (src.empty()) return absl::InvalidArgumentError("bicubic resize: empty image");
  if (src.depth() != CV_8U || src.dims != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("bicubic resize: expected an 8-bit 2-D image, got type ", cv::typeToString(src.type())));
  }
  if (out_width <= 0 || out_height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bicubic resize: output size must be positive, got ", out_width, "x", out_height));
  }
  const bool need_horizontal = out_width != src.cols;
  const bool need_vertical = out_height != src.rows;
  if (!need_horizontal && !need_vertical) return src.clone();

  const Filter vertical = BuildFilter(src.rows, out_height, flavor);
  // Only the source rows some output row reads need the horizontal pass.
  int row_begin = 0;
  int row_end = src.rows;
  if (need_vertical) {
    row_begin = vertical.taps.front().first;
    row_end = vertical.taps.back().first + vertical.taps.back().count;
  }

  cv::Mat stage = src;
  int stage_offset = 0;
  if (need_horizontal) {
    const Filter horizontal = BuildFilter(src.cols, out_width, flavor);
    cv::Mat tmp(row_end - row_begin, out_width, src.type());
    HorizontalPass(src, row_begin, row_end, horizontal, &tmp);
    stage = tmp;
    stage_offset = row_begin;
  }
  if (!need_vertical) return stage;
  cv::Mat out(out_height, stage.cols, src.type());
  VerticalPass(stage, stage_offset, vertical, &out);
  return out;
}

ImageSize ShortestEdgeResizeSize(ImageSize in, int shortest_edge) {
  // Python: int(size * long / short) -- true division in double, then truncation.
  if (in.width <= in.height) {
    const int longer = static_cast<int>(static_cast<double>(shortest_edge) * in.height / in.width);
    return {longer, shortest_edge};
  }
  const int longer = static_cast<int>(static_cast<double>(shortest_edge) * in.width / in.height);
  return {shortest_edge, longer};
}

}  // namespace xsd
