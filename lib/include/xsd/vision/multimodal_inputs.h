// Building the two models' inputs from a Request: prompt token ids (through
// the checkpoint's tokenizer and the prompt templates of tokenizer.h) and
// pixel tensors (through the media module).
//
// Media loading needs OpenCV; in builds without it (XSD_WITH_OPENCV=OFF) the
// pixel loaders answer Unimplemented and callers pass pixels themselves.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/media/image.h"

namespace xsd {

class Tokenizer;

// "USER: <video>\n{question} ASSISTANT:" with BOS; exactly one `video_token`
// (the tokenizer must map "<video>" to it, or the error says what it maps to).
absl::StatusOr<std::vector<TokenId>> VideoLlavaPromptIds(const Tokenizer& tokenizer, const std::string& question,
                                                         TokenId video_token);

// EventGPT's Vicuna v1 prompt split at "<event>", as upstream's
// tokenizer_event_token does: each chunk tokenized on its own, one BOS (the
// first chunk's); the visual embeddings go between `before` and `after`.
struct SplitPromptIds {
  std::vector<TokenId> before;
  std::vector<TokenId> after;
};
absl::StatusOr<SplitPromptIds> EventGptPromptIds(const Tokenizer& tokenizer, const std::string& question);

// num_frames frames of `path`, CLIP-preprocessed at `size`: [F, 3, size, size] float32.
absl::StatusOr<at::Tensor> LoadVideoPixels(const std::string& path, int num_frames, FrameSampling sampling, int size);
// Event images, CLIP-preprocessed at `size` and stacked: [T, 3, size, size] float32.
absl::StatusOr<at::Tensor> LoadEventPixels(const std::vector<std::string>& paths, int size);

// Whether this build can load media (OpenCV).
bool MediaLoadingAvailable();

}  // namespace xsd
