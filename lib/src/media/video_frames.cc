// Video decoding for the video tower: sequential decode with cv::VideoCapture,
// frames picked by SampleFrameIndices. Sequential rather than seeking because
// seeking in MP4 lands on key frames and frame counts in MP4 metadata are
// sometimes wrong; decoding from the start gives the same frame numbering as
// the HF examples (PyAV enumerate over container.decode).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <system_error>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/media/image.h"

namespace xsd {
namespace {

absl::StatusOr<std::unique_ptr<cv::VideoCapture>> OpenVideo(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such video file"));
  }
  auto cap = std::make_unique<cv::VideoCapture>();
  // FFmpeg when OpenCV has it: it is what PyAV (the HF examples) and the
  // research pipeline decode with. Falling back to other backends (GStreamer)
  // for a file FFmpeg rejects only adds noise, so they are used only in
  // builds without FFmpeg.
  const int backend = cv::videoio_registry::hasBackend(cv::CAP_FFMPEG) ? cv::CAP_FFMPEG : cv::CAP_ANY;
  if (!cap->open(path, backend)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open video (not a video, or truncated)"));
  }
  return cap;
}

// The frame count the container claims, or -1 when it claims nothing usable.
int ClaimedFrameCount(cv::VideoCapture& cap) {
  const double n = cap.get(cv::CAP_PROP_FRAME_COUNT);
  if (!std::isfinite(n) || n < 1 || n > 1e8) return -1;
  return static_cast<int>(std::llround(n));
}

// Decodes from the current position of `cap` (not owned; freshly opened, so
// the start) until the last wanted index or the end of the stream, and
// returns the wanted frames as RGB in the order of `indices` (non-decreasing,
// repeats allowed). *decoded is the number of frames decoded.
absl::StatusOr<std::vector<cv::Mat>> DecodeIndices(const std::string& path, cv::VideoCapture* cap,
                                                   const std::vector<int>& indices, int* decoded) {
  std::vector<cv::Mat> out;
  out.reserve(indices.size());
  size_t next = 0;
  int frame = 0;
  while (next < indices.size() && cap->grab()) {
    if (frame == indices[next]) {
      cv::Mat bgr;
      if (!cap->retrieve(bgr) || bgr.empty()) {
        return absl::DataLossError(absl::StrCat(path, ": frame ", frame, " decoded but could not be retrieved"));
      }
      cv::Mat rgb;
      if (bgr.type() == CV_8UC3) {
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      } else if (bgr.type() == CV_8UC1) {
        cv::cvtColor(bgr, rgb, cv::COLOR_GRAY2RGB);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": frame ", frame, " has unsupported type ", cv::typeToString(bgr.type())));
      }
      while (next < indices.size() && indices[next] == frame) {
        out.push_back(next + 1 < indices.size() && indices[next + 1] == frame ? rgb.clone() : rgb);
        ++next;
      }
    }
    ++frame;
  }
  *decoded = frame;
  return out;
}

// Counts decodable frames by decoding the whole stream.
absl::StatusOr<int> CountFrames(const std::string& path) {
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<cv::VideoCapture> cap, OpenVideo(path));
  int n = 0;
  while (cap->grab()) ++n;
  return n;
}

absl::StatusOr<std::vector<cv::Mat>> LoadVideoFramesImpl(const std::string& path, int num_frames,
                                                         FrameSampling sampling) {
  if (num_frames <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": num_frames must be positive, got ", num_frames));
  }
  const absl::Status no_frames = absl::InvalidArgumentError(absl::StrCat(path, ": video has no decodable frame"));
  int decoded = 0;
  if (sampling == FrameSampling::kFirstNPadLast) {
    std::vector<int> first(num_frames);
    for (int i = 0; i < num_frames; ++i) first[i] = i;
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<cv::VideoCapture> cap, OpenVideo(path));
    XSD_ASSIGN_OR_RETURN(std::vector<cv::Mat> frames, DecodeIndices(path, cap.get(), first, &decoded));
    if (frames.empty()) return no_frames;
    while (static_cast<int>(frames.size()) < num_frames) frames.push_back(frames.back().clone());
    return frames;
  }

  XSD_ASSIGN_OR_RETURN(std::unique_ptr<cv::VideoCapture> cap, OpenVideo(path));
  int total = ClaimedFrameCount(*cap);
  if (total > 0) {
    std::vector<int> indices = SampleFrameIndices(total, num_frames, sampling);
    XSD_ASSIGN_OR_RETURN(std::vector<cv::Mat> frames, DecodeIndices(path, cap.get(), indices, &decoded));
    if (frames.size() == indices.size()) return frames;
    if (decoded == 0) return no_frames;
    // The container claimed more frames than the stream holds: the decoded
    // count is the true one, and the indices must be recomputed from it.
    total = decoded;
  } else {
    XSD_ASSIGN_OR_RETURN(total, CountFrames(path));
    if (total == 0) return no_frames;
  }
  std::vector<int> indices = SampleFrameIndices(total, num_frames, sampling);
  XSD_ASSIGN_OR_RETURN(cap, OpenVideo(path));
  XSD_ASSIGN_OR_RETURN(std::vector<cv::Mat> frames, DecodeIndices(path, cap.get(), indices, &decoded));
  if (frames.size() != indices.size()) {
    return absl::DataLossError(absl::StrCat(path, ": decoding is not repeatable: ", total,
                                            " frames on one pass, ", decoded, " on the next"));
  }
  return frames;
}

}  // namespace

absl::StatusOr<std::vector<cv::Mat>> LoadVideoFrames(const std::string& path, int num_frames,
                                                     FrameSampling sampling) {
  try {
    return LoadVideoFramesImpl(path, num_frames, sampling);
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat(path, ": OpenCV error while decoding: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": error while decoding: ", e.what()));
  }
}

}  // namespace xsd
