// Images and videos for the vision towers (OpenCV), and CLIP preprocessing
// that matches the Hugging Face CLIP image processor: shortest-edge resize
// with PIL-compatible bicubic resampling, centre crop, scale 1/255,
// normalise with the CLIP mean and std. Output is a float32 [3, S, S] tensor.
//
// Unreadable or empty inputs are answered with a Status naming the path.
// Every function is stateless and thread-safe. cv::Mat is forward-declared:
// include <opencv2/core/mat.hpp> to use the returned images.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/media/frame_sampling.h"

namespace cv {
class Mat;
}

namespace xsd {

// Which Hugging Face CLIP processor to reproduce. They differ by a grey level
// or two after resizing (see pil_resize.h) and in the last float bit of the
// normalisation.
enum class ClipBackend {
  kPil,          // the PIL-backed ("slow") processor: CLIPImageProcessor in
                 // transformers 4.x, CLIPImageProcessorPil in 5.x
  kTorchvision,  // the torchvision-backed ("fast") one: CLIPImageProcessorFast
                 // in 4.x, CLIPImageProcessor (the default) in 5.x, on the CPU
};

struct ClipPreprocessOptions {
  int size = 224;  // shortest edge and crop size (224 Video-LLaVA, 336 EventGPT)
  ClipBackend backend = ClipBackend::kPil;
  std::vector<float> mean = {0.48145466f, 0.4578275f, 0.40821073f};
  std::vector<float> std = {0.26862954f, 0.26130258f, 0.27577711f};
};

// RGB uint8 image (cv::Mat CV_8UC3, RGB order). Grayscale is replicated to
// three channels, alpha is dropped (as PIL's convert("RGB"), which the HF
// processor applies), 16-bit input is reduced to 8 bits, and EXIF orientation
// is ignored (PIL does not apply it either).
absl::StatusOr<cv::Mat> LoadImageRgb(const std::string& path);

// [3, size, size] float32 pixel values, contiguous, on the CPU. `rgb` must be
// CV_8UC3 in RGB order. Steps, as the chosen HF processor does them:
//   1. resize to ShortestEdgeResizeSize(rgb, size) with
//      ResizeBicubicAntialiased (flavour kPillow or kTorchvision);
//   2. centre crop: top = (h - size) / 2, left = (w - size) / 2 (floor, in
//      both backends of transformers 5.x);
//   3. kPil: v = float(u8 * (1.0 / 255)) (double, rounded to float), then
//      (v - mean[c]) / std[c] in float;
//      kTorchvision: rescale and normalise fused, (float(u8) - mean[c] * 255)
//      / (std[c] * 255) in float.
// On 8-bit input this reproduces the chosen processor bit for bit.
absl::StatusOr<at::Tensor> ClipPreprocess(const cv::Mat& rgb, const ClipPreprocessOptions& options);

// Decodes `num_frames` RGB frames (CV_8UC3) of a video, chosen by `sampling`
// (see frame_sampling.h). Frames are decoded sequentially from the start; the
// container's frame count is used for kUniform when it is positive and is
// checked against the frames actually decoded (a count larger than the
// stream triggers a recount and a second pass). Errors name the path:
// unopenable file, no decodable frame, num_frames <= 0.
absl::StatusOr<std::vector<cv::Mat>> LoadVideoFrames(const std::string& path, int num_frames, FrameSampling sampling);

// Frames preprocessed and stacked: [num_frames, 3, size, size] float32.
absl::StatusOr<at::Tensor> PreprocessFrames(const std::vector<cv::Mat>& frames, const ClipPreprocessOptions& options);

}  // namespace xsd
