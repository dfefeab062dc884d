// Fuzzes video decoding through the media layer: LoadVideoFrames on the
// input saved as an .mp4, with both frame samplings.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "fuzz_util.h"
#include "xsd/media/frame_sampling.h"
#include "xsd/media/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = xsd::fuzz::Scratch().File("video.mp4");
  xsd::fuzz::WriteFile(path, data, size);
  for (xsd::FrameSampling sampling : {xsd::FrameSampling::kUniform, xsd::FrameSampling::kFirstNPadLast}) {
    auto frames = xsd::LoadVideoFrames(path, 3, sampling);
    xsd::fuzz::ExpectNamesFile(frames.status(), path);
    if (!frames.ok()) continue;
    xsd::fuzz::Expect(frames->size() == 3, "LoadVideoFrames returns the frames asked for");
    for (const cv::Mat& f : *frames) xsd::fuzz::Expect(f.type() == CV_8UC3 && !f.empty(), "frames are 8-bit RGB");
  }
  return 0;
}
