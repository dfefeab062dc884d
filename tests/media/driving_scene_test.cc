// The driving world without files: scenes, rendering, event images, pixels.
#include "xsd/media/driving_scene.h"

#include <cmath>
#include <set>
#include <string>

#include <ATen/ATen.h>

#include "driving_test_util.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::BoxOf;
using testing::IsBlue;
using testing::IsRed;
using testing::IsWhite;
using testing::ObjectMasks;
using testing::PixelBox;

bool SameObject(const DrivingObject& a, const DrivingObject& b) {
  return a.object_class == b.object_class && a.color == b.color && a.lane == b.lane && a.motion == b.motion &&
         a.speed == b.speed && a.x == b.x && a.bottom == b.bottom;
}

bool SameScene(const DrivingScene& a, const DrivingScene& b) {
  if (a.light != b.light || a.objects.size() != b.objects.size()) return false;
  for (size_t i = 0; i < a.objects.size(); ++i) {
    if (!SameObject(a.objects[i], b.objects[i])) return false;
  }
  return true;
}

bool SameBytes(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && at::equal(a, b); }

TEST_CASE("Driving scenes are a function of (seed, index)", "[media][world]") {
  int differ_by_index = 0, differ_by_seed = 0;
  for (int i = 0; i < 50; ++i) {
    const DrivingScene a = MakeDrivingScene(3, i);
    const DrivingScene b = MakeDrivingScene(3, i);
    CHECK(a.seed == 3);
    CHECK(a.index == i);
    CHECK(SameScene(a, b));
    CHECK(SameBytes(*RenderDrivingVideo(a, 8, 64), *RenderDrivingVideo(b, 8, 64)));
    CHECK(SameBytes(*RenderDrivingEventImage(a, 64), *RenderDrivingEventImage(b, 64)));
    differ_by_index += !SameScene(a, MakeDrivingScene(3, i + 1));
    differ_by_seed += !SameScene(a, MakeDrivingScene(4, i));
  }
  CHECK(differ_by_index == 50);
  CHECK(differ_by_seed == 50);
}

TEST_CASE("Driving scenes: 1-3 objects, one per lane, every value drawn", "[media][world]") {
  std::set<int> counts, classes, colors, motions, speeds, lights;
  for (int i = 0; i < 3000; ++i) {
    const DrivingScene s = MakeDrivingScene(0, i);
    INFO("scene " << i);
    REQUIRE(s.objects.size() >= 1);
    REQUIRE(s.objects.size() <= 3);
    counts.insert(static_cast<int>(s.objects.size()));
    lights.insert(static_cast<int>(s.light));
    int total = 0, moving = 0;
    for (int c = 0; c < 5; ++c) total += s.CountOf(static_cast<DrivingClass>(c));
    CHECK(total == static_cast<int>(s.objects.size()));
    for (size_t k = 0; k < s.objects.size(); ++k) {
      const DrivingObject& o = s.objects[k];
      if (k > 0) CHECK(s.objects[k - 1].lane < o.lane);  // distinct lanes, left to right
      classes.insert(static_cast<int>(o.object_class));
      colors.insert(static_cast<int>(o.color));
      motions.insert(static_cast<int>(o.motion));
      if (o.motion == DrivingMotion::kStopped) {
        CHECK(o.speed == DrivingSpeed::kSlow);
      } else {
        speeds.insert(static_cast<int>(o.speed));
        ++moving;
      }
      // The road at height y is y wide, centred; three equal lanes.
      const double r = (o.x - 0.5) / o.bottom;
      CHECK(r > -0.5 + static_cast<int>(o.lane) / 3.0);
      CHECK(r < -0.5 + (static_cast<int>(o.lane) + 1) / 3.0);
    }
    CHECK(s.NumMoving() == moving);
  }
  CHECK(counts == std::set<int>{1, 2, 3});
  CHECK(classes.size() == 5);
  CHECK(colors.size() == 6);
  CHECK(motions.size() == 5);
  CHECK(speeds.size() == 2);
  CHECK(lights.size() == 2);
}

TEST_CASE("Driving pixels follow the ground truth", "[media][world]") {
  constexpr int kSize = 128;
  constexpr int kOutline = 2;  // ceil(128 / 64)
  // Documented class sizes at bottom y = 1 (docs/world.md), width x height.
  const double kSizes[5][2] = {{0.22, 0.12}, {0.30, 0.17}, {0.34, 0.22}, {0.07, 0.20}, {0.16, 0.18}};
  int checked_moving = 0, checked_stopped = 0;
  for (int i = 0; i < 120; ++i) {
    const DrivingScene s = MakeDrivingScene(1, i);
    const at::Tensor video = *RenderDrivingVideo(s, kDrivingFrames, kSize);
    const at::Tensor events = *RenderDrivingEventImage(s, kSize);
    REQUIRE(video.sizes() == at::IntArrayRef({kDrivingFrames, kSize, kSize, 3}));
    REQUIRE(events.sizes() == at::IntArrayRef({kSize, kSize, 3}));
    const uint8_t* ev = events.data_ptr<uint8_t>();
    std::vector<bool> moving_union(kSize * kSize, false);
    for (int k = 0; k < static_cast<int>(s.objects.size()); ++k) {
      const DrivingObject& o = s.objects[k];
      INFO("scene " << i << " object " << k << ": " << DrivingName(o.color) << " " << DrivingName(o.object_class)
                    << " " << DrivingName(o.motion) << " " << DrivingName(o.speed) << " " << DrivingName(o.lane));
      const auto masks = ObjectMasks(s, k, kSize, kDrivingFrames);
      const PixelBox first = BoxOf(masks.front(), kSize);
      const PixelBox last = BoxOf(masks.back(), kSize);
      REQUIRE_FALSE(first.empty());
      REQUIRE_FALSE(last.empty());

      // Colour: the fill of frame 0 is nearest the colour's reference.
      int voters = 0;
      CHECK(testing::DominantColor(video.data_ptr<uint8_t>(), masks.front(), &voters) == o.color);
      CHECK(voters > 0);

      // Class: the box without outline, divided by its bottom height, is
      // nearest the class's documented size.
      const double y = (first.y1 + 1 - kOutline) / static_cast<double>(kSize);
      const double w = (first.x1 - first.x0 + 1 - 2 * kOutline) / (kSize * y);
      const double h = (first.y1 - first.y0 + 1 - 2 * kOutline) / (kSize * y);
      int nearest = 0;
      for (int c = 1; c < 5; ++c) {
        if (std::hypot(w - kSizes[c][0], h - kSizes[c][1]) < std::hypot(w - kSizes[nearest][0], h - kSizes[nearest][1])) {
          nearest = c;
        }
      }
      CHECK(nearest == static_cast<int>(o.object_class));

      // Lane: the box centre's road coordinate, first and last frame.
      for (const PixelBox& b : {first, last}) {
        const double by = (b.y1 + 1 - kOutline) / static_cast<double>(kSize);
        const double r = ((b.x0 + b.x1 + 1) / 2.0 / kSize - 0.5) / by;
        CHECK(static_cast<int>(std::floor((r + 0.5) * 3)) == static_cast<int>(o.lane));
      }

      // Motion in the frames and in the event image.
      int inside = 0, right_of_last = 0, left_of_last = 0, below_last = 0;
      for (int t = 0; t < kDrivingFrames; ++t) {
        for (int p = 0; p < kSize * kSize; ++p) {
          if (masks[t][p] && o.motion != DrivingMotion::kStopped) moving_union[p] = true;
        }
      }
      for (int p = 0; p < kSize * kSize; ++p) {
        bool in = false;
        for (const auto& m : masks) in = in || m[p];
        if (!in || IsWhite(ev + 3 * p)) continue;
        ++inside;
        const int px = p % kSize, py = p / kSize;
        right_of_last += px > last.x1;
        left_of_last += px < last.x0;
        below_last += py > last.y1;
      }
      const int moved_x = last.x0 - first.x0;
      const int moved_bottom = last.y1 - first.y1;
      const int travel = std::max(std::abs(moved_x), std::abs(moved_bottom));
      switch (o.motion) {
        case DrivingMotion::kStopped:
          CHECK(masks.front() == masks.back());
          CHECK(inside == 0);  // no trace in the event image
          ++checked_stopped;
          break;
        case DrivingMotion::kRight:
          CHECK(moved_x > 0);
          CHECK(moved_bottom == 0);
          CHECK(right_of_last == 0);
          CHECK(left_of_last > 0);  // the trail
          break;
        case DrivingMotion::kLeft:
          CHECK(moved_x < 0);
          CHECK(moved_bottom == 0);
          CHECK(left_of_last == 0);
          CHECK(right_of_last > 0);
          break;
        case DrivingMotion::kToward:  // grows (visibly when fast) and comes down
          CHECK(last.x1 - last.x0 >= first.x1 - first.x0);
          CHECK(last.y1 - last.y0 >= first.y1 - first.y0);
          if (o.speed == DrivingSpeed::kFast) CHECK(last.area > first.area);
          CHECK(moved_bottom > 0);
          CHECK(below_last == 0);
          break;
        case DrivingMotion::kAway:
          CHECK(last.x1 - last.x0 <= first.x1 - first.x0);
          CHECK(last.y1 - last.y0 <= first.y1 - first.y0);
          if (o.speed == DrivingSpeed::kFast) CHECK(last.area < first.area);
          CHECK(moved_bottom < 0);
          CHECK(below_last > 0);
          break;
      }
      if (o.motion != DrivingMotion::kStopped) {
        CHECK(inside > 0);
        // 7 steps of 0.85 / 64 (fast) or 0.35 / 64 (slow) of 128 pixels: 11.9 or 4.9.
        if (o.speed == DrivingSpeed::kFast) CHECK(travel >= 10);
        if (o.speed == DrivingSpeed::kSlow) CHECK(travel <= 6);
        ++checked_moving;
      }
    }
    // Events only where moving objects were; only the three event colours.
    int stray = 0, off_palette = 0;
    for (int p = 0; p < kSize * kSize; ++p) {
      const uint8_t* px = ev + 3 * p;
      off_palette += !(IsWhite(px) || IsRed(px) || IsBlue(px));
      stray += !IsWhite(px) && !moving_union[p];
    }
    CHECK(off_palette == 0);
    CHECK(stray == 0);
  }
  CHECK(checked_moving > 100);
  CHECK(checked_stopped > 20);
}

TEST_CASE("Driving event images carry neither colour nor light", "[media][world]") {
  int frames_differ = 0;
  for (int i = 0; i < 100; ++i) {
    const DrivingScene s = MakeDrivingScene(2, i);
    DrivingScene recolored = s;
    recolored.light = s.light == DrivingLight::kDay ? DrivingLight::kNight : DrivingLight::kDay;
    for (DrivingObject& o : recolored.objects) o.color = static_cast<DrivingColor>((static_cast<int>(o.color) + 1) % 6);
    INFO("scene " << i);
    for (int size : {64, 128}) {
      CHECK(SameBytes(*RenderDrivingEventImage(s, size), *RenderDrivingEventImage(recolored, size)));
    }
    frames_differ += !SameBytes(*RenderDrivingVideo(s, 1, 64), *RenderDrivingVideo(recolored, 1, 64));
  }
  CHECK(frames_differ == 100);
}

TEST_CASE("Driving pixels for the models: CLIP-normalised renders", "[media][world]") {
  const DrivingScene s = MakeDrivingScene(0, 5);
  const at::Tensor rgb = *RenderDrivingVideo(s, kDrivingFrames, 64);
  const at::Tensor video = *DrivingVideoPixels(s, 64);
  const at::Tensor event_rgb = *RenderDrivingEventImage(s, 96);
  const at::Tensor event = *DrivingEventPixels(s, 96);
  REQUIRE(video.sizes() == at::IntArrayRef({kDrivingFrames, 3, 64, 64}));
  REQUIRE(event.sizes() == at::IntArrayRef({1, 3, 96, 96}));
  CHECK(video.scalar_type() == at::kFloat);
  // The PIL-backed CLIP processor: float(u8 * (1/255)) then (v - mean) / std in float.
  const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
  auto expected = [&](int u, int c) {
    const float v = static_cast<float>(static_cast<double>(u) * (1.0 / 255.0));
    return (v - mean[c]) / std[c];
  };
  auto r = rgb.accessor<uint8_t, 4>();
  auto v = video.accessor<float, 4>();
  int mismatches = 0;
  for (int t = 0; t < kDrivingFrames; ++t) {
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 64; ++x) {
        for (int c = 0; c < 3; ++c) mismatches += v[t][c][y][x] != expected(r[t][y][x][c], c);
      }
    }
  }
  CHECK(mismatches == 0);
  auto er = event_rgb.accessor<uint8_t, 3>();
  auto e = event.accessor<float, 4>();
  mismatches = 0;
  for (int y = 0; y < 96; ++y) {
    for (int x = 0; x < 96; ++x) {
      for (int c = 0; c < 3; ++c) mismatches += e[0][c][y][x] != expected(er[y][x][c], c);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("Driving renders reject bad sizes and frame counts", "[media][world]") {
  const DrivingScene s = MakeDrivingScene(0, 0);
  auto video = RenderDrivingVideo(s, 8, 31);
  REQUIRE_FALSE(video.ok());
  CHECK(video.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(video.status().message()).find("size") != std::string::npos);
  auto no_frames = RenderDrivingVideo(s, 0, 64);
  REQUIRE_FALSE(no_frames.ok());
  CHECK(std::string(no_frames.status().message()).find("frames") != std::string::npos);
  auto one_frame = RenderDrivingEventImage(s, 64, 1);
  REQUIRE_FALSE(one_frame.ok());
  CHECK(std::string(one_frame.status().message()).find("frames") != std::string::npos);
  CHECK_FALSE(DrivingEventPixels(s, 16).ok());
  CHECK_FALSE(DrivingVideoPixels(s, 64, 0).ok());
}

}  // namespace
}  // namespace xsd
