// Images and videos for the vision towers (OpenCV), and CLIP preprocessing
// that matches the Hugging Face CLIP image processor: shortest-edge resize
// with PIL-compatible bicubic resampling, centre crop, scale 1/255,
// normalise with the CLIP mean and std. Output is a float32 [3, S, S] tensor.
//
// Unreadable or empty inputs are answered with a Status naming the path.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace cv {
class Mat;
}

namespace xsd {

struct ClipPreprocessOptions {
  int size = 224;  // shortest edge and crop size (224 Video-LLaVA, 336 EventGPT)
  std::vector<float> mean = {0.48145466f, 0.4578275f, 0.40821073f};
  std::vector<float> std = {0.26862954f, 0.26130258f, 0.27577711f};
};

// RGB uint8 image (cv::Mat CV_8UC3, RGB order).
absl::StatusOr<cv::Mat> LoadImageRgb(const std::string& path);

// [3, size, size] float32 pixel values.
absl::StatusOr<at::Tensor> ClipPreprocess(const cv::Mat& rgb, const ClipPreprocessOptions& options);

enum class FrameSampling {
  kUniform,         // Hugging Face examples: evenly spaced over the clip
  kFirstNPadLast,   // research pipeline: the first N decoded frames, padded with the last
};

// Decodes `num_frames` RGB frames of a video.
absl::StatusOr<std::vector<cv::Mat>> LoadVideoFrames(const std::string& path, int num_frames, FrameSampling sampling);

// Frames preprocessed and stacked: [num_frames, 3, size, size].
absl::StatusOr<at::Tensor> PreprocessFrames(const std::vector<cv::Mat>& frames, const ClipPreprocessOptions& options);

}  // namespace xsd
