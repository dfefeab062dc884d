// Antialiased bicubic resize of 8-bit images that reproduces, pixel for
// pixel, either Pillow's Image.resize(size, Image.BICUBIC) (the HF "slow"
// image processors) or torchvision's resize(uint8 tensor, BICUBIC,
// antialias=True) on the CPU (the HF "fast" / torchvision-backend ones).
//
// Why not cv::resize(INTER_CUBIC): OpenCV uses a = -0.75 and never widens the
// kernel when shrinking, so a downscaled image aliases where Pillow's is
// smoothed; the difference reaches tens of grey levels on textured input,
// far outside what CLIP parity allows.
//
// What Pillow does (ImagingResample, read for its behaviour, written anew):
//   - separable, horizontal pass first, then vertical; a pass whose size does
//     not change is skipped;
//   - kernel: Keys cubic with a = -0.5, support 2; when shrinking by a factor
//     s > 1 the support becomes 2 s and the kernel is stretched by s
//     (antialiasing); output pixel i is centred at (i + 0.5) * in / out;
//   - per output pixel the taps span [round(centre - support),
//     round(centre + support)) clipped to the image, and the weights are
//     divided by their sum;
//   - weights become 22-bit fixed point (round half away from zero), sums
//     start at half a unit, and each pass ends with >> 22 and a clamp to
//     [0, 255]: the intermediate image is 8-bit.
// torchvision (ATen's uint8 antialias kernel, itself derived from Pillow-SIMD)
// does the same except that the weights are int16: their precision is the
// largest number of fraction bits (at most 22) at which the largest weight of
// the pass still fits, typically 15 to 17 bits. The coarser weights round
// differently, so the two flavours differ by one or two grey levels here and
// there; which one is right depends on which HF processor is being matched.
// (A float path - torchvision on CUDA or on CPUs without AVX2 - is further
// off and not reproduced.)
#pragma once

#include "absl/status/statusor.h"

namespace cv {
class Mat;
}

namespace xsd {

struct ImageSize {
  int height = 0;
  int width = 0;
  bool operator==(const ImageSize& o) const { return height == o.height && width == o.width; }
};

enum class BicubicFlavor {
  kPillow,       // PIL Image.resize(BICUBIC): 22-bit weights
  kTorchvision,  // torchvision resize(uint8, BICUBIC, antialias=True), CPU: int16 weights
};

// Resizes a CV_8UC1/2/3/4 image (channels are independent; any order) to
// width x height. Errors: empty input, another depth, non-positive size.
absl::StatusOr<cv::Mat> ResizeBicubicAntialiased(const cv::Mat& src, int out_width, int out_height,
                                                 BicubicFlavor flavor);

// ResizeBicubicAntialiased(src, w, h, BicubicFlavor::kPillow).
absl::StatusOr<cv::Mat> ResizeBicubicPil(const cv::Mat& src, int out_width, int out_height);

// Output size of Hugging Face's shortest-edge resize
// (image_transforms.get_resize_output_image_size with default_to_square=False
// and no max_size): the short side becomes `shortest_edge`, the long side
// int(shortest_edge * long / short) (truncated); a square stays square.
ImageSize ShortestEdgeResizeSize(ImageSize in, int shortest_edge);

}  // namespace xsd
