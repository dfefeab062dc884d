// Placeholder media (multimodal_inputs.h): the timing aid for builds without
// OpenCV answers with deterministic pseudo-random pixels of the asked shape.
#include <string>

#include <ATen/ATen.h>

#include "support/scratch_dir.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Placeholder media load as seeded pixels of the requested shape, in every build", "[vision][media]") {
  const testing::ScratchDir dir("placeholder_media");
  const std::string video = dir.File("a.mp4"), other = dir.File("b.mp4");
  const std::string event = dir.File("a.png");
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
  auto missing = LoadVideoPixels(dir.File("missing.mp4"), 8, FrameSampling::kUniform, 32);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("missing.mp4") != std::string::npos);
}

}  // namespace
}  // namespace xsd
