#include "xsd/media/frame_sampling.h"

#include <algorithm>
#include <cstdint>

namespace xsd {

std::vector<int> SampleFrameIndices(int total_frames, int num_frames, FrameSampling sampling) {
  std::vector<int> indices;
  if (total_frames <= 0 || num_frames <= 0) return indices;
  indices.reserve(num_frames);
  for (int i = 0; i < num_frames; ++i) {
    switch (sampling) {
      case FrameSampling::kUniform:
        // floor(i * total / k) in 64-bit integers: no rounding at all.
        indices.push_back(static_cast<int>(static_cast<int64_t>(i) * total_frames / num_frames));
        break;
      case FrameSampling::kFirstNPadLast:
        indices.push_back(std::min(i, total_frames - 1));
        break;
    }
  }
  return indices;
}

const char* FrameSamplingName(FrameSampling sampling) {
  switch (sampling) {
    case FrameSampling::kUniform:
      return "uniform";
    case FrameSampling::kFirstNPadLast:
      return "first_n_pad_last";
  }
  return "unknown";
}

}  // namespace xsd
