// Files written whole or not at all: each goes to a hidden temporary name in
// its final folder and is renamed into place, so readers never see half a
// file. Errors name the destination path.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace cv {
class Mat;
}

namespace xsd::media_internal {

absl::Status WriteFileAtomic(const std::filesystem::path& path, const std::string& bytes);

// `rgb`: CV_8UC3 in RGB order; PNG compression level 6.
absl::Status WritePngAtomic(const std::filesystem::path& path, const cv::Mat& rgb);

// An mp4v (MPEG-4 part 2) MP4 of `frames` frames width x height, frame t
// given by frame_rgb(t) (RGB CV_8UC3). Unavailable when OpenCV has no
// FFmpeg video writer.
absl::Status WriteMp4Atomic(const std::filesystem::path& path, int frames, int width, int height, double fps,
                            const std::function<cv::Mat(int)>& frame_rgb);

}  // namespace xsd::media_internal
