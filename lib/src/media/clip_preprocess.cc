// CLIP preprocessing (resize, centre crop, rescale, normalise) into float32
// CHW. The arithmetic follows the chosen HF processor step by step so that
// the result is bit-identical to it, not merely close.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/media/image.h"
#include "media/pil_resize.h"

namespace xsd {
namespace {

absl::Status CheckOptions(const ClipPreprocessOptions& options) {
  if (options.size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("CLIP preprocess: size must be positive, got ", options.size));
  }
  if (options.mean.size() != 3 || options.std.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("CLIP preprocess: mean and std need 3 values, got ",
                                                   options.mean.size(), " and ", options.std.size()));
  }
  for (float s : options.std) {
    if (!(s > 0.0f)) return absl::InvalidArgumentError(absl::StrCat("CLIP preprocess: std must be > 0, got ", s));
  }
  return absl::OkStatus();
}

// Writes the [3, size, size] planes of one image to `out` (3 * size * size floats).
absl::Status PreprocessInto(const cv::Mat& rgb, const ClipPreprocessOptions& options, float* out) {
  if (rgb.empty()) return absl::InvalidArgumentError("CLIP preprocess: empty image");
  if (rgb.type() != CV_8UC3) {
    return absl::InvalidArgumentError(
        absl::StrCat("CLIP preprocess: expected an RGB CV_8UC3 image, got ", cv::typeToString(rgb.type())));
  }
  const int size = options.size;
  const ImageSize resized = ShortestEdgeResizeSize({rgb.rows, rgb.cols}, size);
  const bool torchvision = options.backend == ClipBackend::kTorchvision;
  XSD_ASSIGN_OR_RETURN(cv::Mat scaled,
                       ResizeBicubicAntialiased(rgb, resized.width, resized.height,
                                                torchvision ? BicubicFlavor::kTorchvision : BicubicFlavor::kPillow));
  // After a shortest-edge resize both sides are >= size, so the crop never pads.
  const int top = (scaled.rows - size) / 2;
  const int left = (scaled.cols - size) / 2;

  // Per channel, the 256 possible outputs.
  float table[3][256];
  for (int c = 0; c < 3; ++c) {
    // torchvision backend: mean and std become float tensors scaled by 255
    // (in float), and the normalisation runs on the unscaled pixel values.
    const float mean255 = options.mean[c] * 255.0f;
    const float std255 = options.std[c] * 255.0f;
    for (int u = 0; u < 256; ++u) {
      if (torchvision) {
        table[c][u] = (static_cast<float>(u) - mean255) / std255;
      } else {
        // PIL backend (numpy): astype(float64) * (1/255), astype(float32),
        // then (v - mean) / std with float32 mean and std.
        const float v = static_cast<float>(static_cast<double>(u) * (1.0 / 255.0));
        table[c][u] = (v - options.mean[c]) / options.std[c];
      }
    }
  }
  const size_t plane = static_cast<size_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const uint8_t* row = scaled.ptr<uint8_t>(top + y) + static_cast<size_t>(left) * 3;
    float* dst = out + static_cast<size_t>(y) * size;
    for (int x = 0; x < size; ++x) {
      dst[x] = table[0][row[3 * x + 0]];
      dst[plane + x] = table[1][row[3 * x + 1]];
      dst[2 * plane + x] = table[2][row[3 * x + 2]];
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<at::Tensor> ClipPreprocess(const cv::Mat& rgb, const ClipPreprocessOptions& options) {
  XSD_RETURN_IF_ERROR(CheckOptions(options));
  return TorchCall("CLIP preprocess", [&]() -> absl::StatusOr<at::Tensor> {
    at::Tensor out = at::empty({3, options.size, options.size}, at::TensorOptions().dtype(at::kFloat));
    XSD_RETURN_IF_ERROR(PreprocessInto(rgb, options, out.data_ptr<float>()));
    return out;
  });
}

absl::StatusOr<at::Tensor> PreprocessFrames(const std::vector<cv::Mat>& frames, const ClipPreprocessOptions& options) {
  XSD_RETURN_IF_ERROR(CheckOptions(options));
  if (frames.empty()) return absl::InvalidArgumentError("CLIP preprocess: no frames");
  return TorchCall("CLIP preprocess of frames", [&]() -> absl::StatusOr<at::Tensor> {
    const int64_t n = static_cast<int64_t>(frames.size());
    at::Tensor out = at::empty({n, 3, options.size, options.size}, at::TensorOptions().dtype(at::kFloat));
    float* base = out.data_ptr<float>();
    const size_t per_frame = 3ull * options.size * options.size;
    for (int64_t i = 0; i < n; ++i) {
      XSD_RETURN_IF_ERROR_CTX(PreprocessInto(frames[i], options, base + i * per_frame), absl::StrCat("frame ", i));
    }
    return out;
  });
}

}  // namespace xsd
