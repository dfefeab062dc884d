// Placeholder media (multimodal_inputs.h): the timing aid for builds without
// OpenCV answers with deterministic pseudo-random pixels of the asked shape.
#include <filesystem>

#include <ATen/ATen.h>

#include "xsd/vision/multimodal_inputs.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Placeholder media load as seeded pixels of the requested shape, in every build", "[vision][media]") {
  const auto dir = std::filesystem::temp_directory_path() / "xsd_placeholder_media_test";
  std::filesystem::create_directories(dir);
  const std::string video = (dir / "a.mp4").string(), other = (dir / "b.mp4").string();
  const std::string event = (dir / "a.png").string();
  REQUIRE(WritePlaceholderMedia(video, 1).ok());
  REQUIRE(WritePlaceholderMedia(other, 2).ok());
  REQUIRE(WritePlaceholderMedia(event, 1).ok());
  auto a = LoadVideoPixels(video, 8, FrameSampling::kFirstNPadLast, 32);
  auto again = LoadVideoPixels(video, 8, FrameSampling::kFirstNPadLast, 32);
  auto b = LoadVideoPixels(other, 8, FrameSampling::kFirstNPadLast, 32);
  INFO(a.status().ToString());
  REQUIRE(a.ok());
  REQUIRE(again.ok());
  REQUIRE(b.ok());
  CHECK(a->sizes().vec() == std::vector<int64_t>{8, 3, 32, 32});
  CHECK(a->scalar_type() == at::kFloat);
  CHECK(at::equal(*a, *again));
  CHECK_FALSE(at::equal(*a, *b));
  CHECK(a->min().item<float>() >= -1.8f);
  CHECK(a->max().item<float>() <= 2.2f);
  CHECK(a->std().item<float>() > 0.5f);  // not constant
  auto events = LoadEventPixels({event, event}, 16);
  REQUIRE(events.ok());
  CHECK(events->sizes().vec() == std::vector<int64_t>{2, 3, 16, 16});
  // A missing file is an error naming it, not a placeholder.
  auto missing = LoadVideoPixels((dir / "missing.mp4").string(), 8, FrameSampling::kUniform, 32);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("missing.mp4") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xsd
