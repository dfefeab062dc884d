// Which frames of a clip feed the video tower. Pure index arithmetic, no
// decoding, so the rule can be tested by hand and reused by any decoder.
#pragma once

#include <vector>

namespace xsd {

enum class FrameSampling {
  // Hugging Face's Video-LLaVA examples (model card and transformers docs):
  //   indices = np.arange(0, total, total / k).astype(int)
  // i.e. index i = floor(i * total / k), i = 0..k-1. Computed here in exact
  // integer arithmetic; for k = 8 (a power of two, so total / 8 is exact in
  // binary) this equals numpy's result bit for bit. When total < k some
  // indices repeat and the frame is returned once per repetition (the HF
  // example's `i in indices` test would return fewer than k frames instead).
  kUniform,
  // The research pipeline: the first k decoded frames; a clip shorter than k
  // is padded by repeating its last frame.
  kFirstNPadLast,
};

// Frame indices, in order, for a clip of `total_frames` decoded frames.
// total_frames > 0 and num_frames > 0, otherwise the result is empty.
std::vector<int> SampleFrameIndices(int total_frames, int num_frames, FrameSampling sampling);

const char* FrameSamplingName(FrameSampling sampling);

}  // namespace xsd
