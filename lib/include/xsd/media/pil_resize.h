// Bicubic resize that reproduces Pillow's Image.resize(size, Image.BICUBIC)
// on 8-bit images, pixel for pixel.
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

// Resizes a CV_8UC1/2/3/4 image (channels are independent; any order) to
// width x height. Errors: empty input, another depth, non-positive size.
absl::StatusOr<cv::Mat> ResizeBicubicPil(const cv::Mat& src, int out_width, int out_height);

// Output size of Hugging Face's shortest-edge resize
// (image_transforms.get_resize_output_image_size with default_to_square=False
// and no max_size): the short side becomes `shortest_edge`, the long side
// int(shortest_edge * long / short) (truncated); a square stays square.
ImageSize ShortestEdgeResizeSize(ImageSize in, int shortest_edge);

}  // namespace xsd
