// Fuzzes image decoding through the media layer: LoadImageRgb on the input
// saved as a .png (OpenCV picks the decoder by content), then CLIP
// preprocessing of what decoded.
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include "fuzz_util.h"
#include "xsd/media/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xsd::fuzz::Expect;
  const std::string path = xsd::fuzz::Scratch().File("image.png");
  xsd::fuzz::WriteFile(path, data, size);
  auto rgb = xsd::LoadImageRgb(path);
  xsd::fuzz::ExpectNamesFile(rgb.status(), path);
  if (!rgb.ok()) return 0;
  Expect(rgb->type() == CV_8UC3 && !rgb->empty(), "LoadImageRgb returns non-empty 8-bit RGB");
  xsd::ClipPreprocessOptions options;
  options.size = 16;  // small: the decoder, not the resampler, is under test
  for (xsd::ClipBackend backend : {xsd::ClipBackend::kPil, xsd::ClipBackend::kTorchvision}) {
    options.backend = backend;
    auto pixels = xsd::ClipPreprocess(*rgb, options);
    Expect(pixels.ok(), "a decoded image preprocesses", pixels.status());
    Expect(pixels->sizes() == at::IntArrayRef({3, 16, 16}), "preprocessed pixels are [3, size, size]");
  }
  return 0;
}
