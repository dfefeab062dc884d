// Building the two models' inputs from a Request: prompt token ids (through
// the checkpoint's tokenizer and the prompt templates of tokenizer.h) and
// pixel tensors (through the media module).
//
// Media loading needs OpenCV; in builds without it (XSD_WITH_OPENCV=OFF) the
// pixel loaders answer Unimplemented and callers pass pixels themselves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/media/image.h"

namespace xsd {

class Tokenizer;

// The Request::media names of the two models' inputs.
inline constexpr char kVideoMedia[] = "video";                // Video-LLaVA: one video file
inline constexpr char kEventImagesMedia[] = "event_images";  // EventGPT: one or more event images

// The paths of request.media[name] (InvalidArgument naming the input when it
// is absent or empty).
absl::StatusOr<std::vector<std::string>> RequestMedia(const Request& request, const std::string& name);

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

// Placeholder media, a timing aid for machines without OpenCV (the GPU
// machine): a file whose content starts with kPlaceholderMediaMagic stands
// for a video or an event image; the loaders above answer it, in every
// build, with pseudo-random pixels of the requested shape, seeded by the
// file's content. Timings of everything after media decoding do not depend
// on pixel values; outputs do, so never use placeholders for quality.
inline constexpr char kPlaceholderMediaMagic[] = "xsd-placeholder-media";
absl::Status WritePlaceholderMedia(const std::string& path, uint64_t seed);

}  // namespace xsd
