#include "xsd/vision/multimodal_inputs.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/tokenizer/tokenizer.h"

#ifdef XSD_VISION_WITH_MEDIA
#include <opencv2/core/mat.hpp>
#endif

namespace xsd {

absl::StatusOr<std::vector<TokenId>> VideoLlavaPromptIds(const Tokenizer& tokenizer, const std::string& question,
                                                         TokenId video_token) {
  const TokenId mapped = tokenizer.TokenToId("<video>");
  if (mapped != video_token) {
    return absl::FailedPreconditionError(absl::StrCat("Video-LLaVA: the tokenizer maps '<video>' to ", mapped,
                                                      ", config.json's video_token_index is ", video_token));
  }
  XSD_ASSIGN_OR_RETURN(std::vector<TokenId> ids, tokenizer.Encode(VideoLlavaPrompt(question), /*add_bos=*/true));
  const auto count = std::count(ids.begin(), ids.end(), video_token);
  if (count != 1) {
    return absl::InvalidArgumentError(absl::StrCat("Video-LLaVA: the prompt holds ", count,
                                                   " <video> tokens, expected 1 (does the question contain '<video>'?)"));
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> RequestMedia(const Request& request, const std::string& name) {
  const auto it = request.media.find(name);
  if (it == request.media.end() || it->second.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("request '", request.id, "': no media input '", name, "'"));
  }
  return it->second;
}

absl::StatusOr<SplitPromptIds> EventGptPromptIds(const Tokenizer& tokenizer, const std::string& question) {
  const std::string prompt = EventGptPrompt(question);
  const std::string marker = "<event>";
  const size_t at = prompt.find(marker);
  if (at == std::string::npos || prompt.find(marker, at + marker.size()) != std::string::npos) {
    return absl::InvalidArgumentError("EventGPT: the prompt must hold exactly one '<event>' (does the question contain one?)");
  }
  SplitPromptIds ids;
  XSD_ASSIGN_OR_RETURN(ids.before, tokenizer.Encode(prompt.substr(0, at), /*add_bos=*/true));
  XSD_ASSIGN_OR_RETURN(ids.after, tokenizer.Encode(prompt.substr(at + marker.size()), /*add_bos=*/false));
  return ids;
}

absl::Status WritePlaceholderMedia(const std::string& path, uint64_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << kPlaceholderMediaMagic << " " << seed << "\n";
  if (!out.good()) return absl::InternalError(absl::StrCat("cannot write placeholder media '", path, "'"));
  return absl::OkStatus();
}

// Decoding through the media module (OpenCV), defined below per build.
absl::StatusOr<at::Tensor> DecodeVideoPixels(const std::string& path, int num_frames, FrameSampling sampling, int size);
absl::StatusOr<at::Tensor> DecodeEventPixels(const std::vector<std::string>& paths, int size);

namespace {

// The placeholder's content when `path` is one, else nullopt.
std::optional<std::string> PlaceholderContent(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(sizeof(kPlaceholderMediaMagic) - 1, '\0');
  if (!in.read(head.data(), static_cast<std::streamsize>(head.size())) || head != kPlaceholderMediaMagic) {
    return std::nullopt;
  }
  std::string rest;
  std::getline(in, rest);
  return head + rest;
}

// CLIP-normalised values lie in about [-1.8, 2.2]; any values time the same.
// A seeded table of kTable values, tiled with a different rotation per tile:
// the stand-in for decoding costs a copy, not a random draw per pixel (8
// frames at 224 took ~4.5 ms of one core drawn one by one; docs/PERFORMANCE.md
// run 10).
absl::StatusOr<at::Tensor> PlaceholderPixels(const std::string& content, int count, int size) {
  return TorchCall("placeholder media pixels", [&]() -> absl::StatusOr<at::Tensor> {
    constexpr int64_t kTable = 4096;
    std::vector<float> table(kTable);
    uint64_t x = std::hash<std::string>()(content) | 1;
    for (float& v : table) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      v = static_cast<float>(x >> 40) * (4.0f / 16777216.0f) - 1.8f;  // 24 random bits -> [-1.8, 2.2)
    }
    at::Tensor t = at::empty({count, 3, size, size}, at::kFloat);
    float* p = t.data_ptr<float>();
    const int64_t n = t.numel();
    for (int64_t start = 0, tile = 0; start < n; start += kTable, ++tile) {
      const int64_t len = std::min(kTable, n - start), shift = (tile * 61) % kTable;
      const int64_t first = std::min(len, kTable - shift);
      std::copy_n(table.data() + shift, first, p + start);
      std::copy_n(table.data(), len - first, p + start + first);
    }
    return t;
  });
}

}  // namespace

absl::StatusOr<at::Tensor> LoadVideoPixels(const std::string& path, int num_frames, FrameSampling sampling, int size) {
  if (auto placeholder = PlaceholderContent(path)) return PlaceholderPixels(*placeholder, num_frames, size);
  return DecodeVideoPixels(path, num_frames, sampling, size);
}

absl::StatusOr<at::Tensor> LoadEventPixels(const std::vector<std::string>& paths, int size) {
  if (!paths.empty()) {
    if (auto placeholder = PlaceholderContent(paths[0])) {
      return PlaceholderPixels(*placeholder, static_cast<int>(paths.size()), size);
    }
  }
  return DecodeEventPixels(paths, size);
}

#ifdef XSD_VISION_WITH_MEDIA

bool MediaLoadingAvailable() { return true; }

absl::StatusOr<at::Tensor> DecodeVideoPixels(const std::string& path, int num_frames, FrameSampling sampling, int size) {
  XSD_ASSIGN_OR_RETURN(std::vector<cv::Mat> frames, LoadVideoFrames(path, num_frames, sampling));
  ClipPreprocessOptions options;
  options.size = size;
  return PreprocessFrames(frames, options);
}

absl::StatusOr<at::Tensor> DecodeEventPixels(const std::vector<std::string>& paths, int size) {
  if (paths.empty()) return absl::InvalidArgumentError("EventGPT: the request names no event image");
  ClipPreprocessOptions options;
  options.size = size;
  std::vector<at::Tensor> images;
  for (const std::string& path : paths) {
    XSD_ASSIGN_OR_RETURN(cv::Mat rgb, LoadImageRgb(path));
    XSD_ASSIGN_OR_RETURN(at::Tensor pixels, ClipPreprocess(rgb, options));
    images.push_back(pixels);
  }
  return TorchCall("stacking event images", [&]() -> absl::StatusOr<at::Tensor> { return at::stack(images, 0); });
}

#else  // built without OpenCV

bool MediaLoadingAvailable() { return false; }

absl::StatusOr<at::Tensor> DecodeVideoPixels(const std::string& path, int, FrameSampling, int) {
  return absl::UnimplementedError(absl::StrCat("cannot decode '", path, "': libxsd was built without OpenCV (XSD_WITH_OPENCV=OFF)"));
}

absl::StatusOr<at::Tensor> DecodeEventPixels(const std::vector<std::string>& paths, int) {
  return absl::UnimplementedError(absl::StrCat("cannot read '", absl::StrJoin(paths, "', '"),
                                               "': libxsd was built without OpenCV (XSD_WITH_OPENCV=OFF)"));
}

#endif

}  // namespace xsd
