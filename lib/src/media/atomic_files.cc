#include "media/atomic_files.h"

#include <unistd.h>

#include <fstream>
#include <system_error>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "absl/strings/str_cat.h"

namespace xsd::media_internal {
namespace {

namespace fs = std::filesystem;

// A name in the destination folder (so rename is atomic), hidden from globs.
fs::path TempNameFor(const fs::path& path, const std::string& extension) {
  return path.parent_path() / absl::StrCat(".", path.stem().string(), ".tmp", ::getpid(), extension);
}

absl::Status RenameInto(const fs::path& tmp, const fs::path& path) {
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return absl::InternalError(absl::StrCat(path.string(), ": cannot rename the temporary file into place"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomic(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = TempNameFor(path, path.extension().string());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return absl::InternalError(absl::StrCat(path.string(), ": write failed"));
    }
  }
  return RenameInto(tmp, path);
}

absl::Status WritePngAtomic(const fs::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> png;
  if (!cv::imencode(".png", bgr, png, {cv::IMWRITE_PNG_COMPRESSION, 6})) {
    return absl::InternalError(absl::StrCat(path.string(), ": PNG encoding failed"));
  }
  return WriteFileAtomic(path, std::string(png.begin(), png.end()));
}

absl::Status WriteMp4Atomic(const fs::path& path, int frames, int width, int height, double fps,
                            const std::function<cv::Mat(int)>& frame_rgb) {
  // The container is chosen from the extension, so the temporary keeps ".mp4".
  const fs::path tmp = TempNameFor(path, ".mp4");
  {
    cv::VideoWriter writer;
    if (!writer.open(tmp.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                     cv::Size(width, height))) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return absl::UnavailableError(
          absl::StrCat(path.string(), ": OpenCV cannot encode MP4 (mp4v) here: no FFmpeg video writer"));
    }
    cv::Mat bgr;
    for (int t = 0; t < frames; ++t) {
      cv::cvtColor(frame_rgb(t), bgr, cv::COLOR_RGB2BGR);
      writer.write(bgr);
    }
  }  // released: the file is complete
  return RenameInto(tmp, path);
}

}  // namespace xsd::media_internal
