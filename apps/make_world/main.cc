// xsd_make_world: writes the driving world (docs/world.md).
//
//   xsd_make_world --out /data/world [--num_train 1000] [--num_heldout 100] [--seed 0]
//                  [--video_size 224] [--event_size 336] [--frames 8] [--fps 8]
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "../common/flag_pairs.h"
#include "absl/strings/numbers.h"
#include "xsd/media/driving_scene.h"
#include "xsd/media/driving_world.h"

namespace {

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "xsd_make_world: %s\n", error.c_str());
  std::fprintf(stderr,
               "usage: xsd_make_world --out DIR [--num_train N] [--num_heldout N] [--seed N]\n"
               "                      [--video_size PX] [--event_size PX] [--frames N] [--fps X]\n"
               "writes DIR/train (scenes 0..num_train-1) and DIR/heldout (scenes %d..)\n",
               xsd::kDrivingHeldOutFirstIndex);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return Usage("");
  }
  std::map<std::string, std::string> flags;
  if (const std::string error = xsd::apps::ReadFlagPairs(argc, argv, 1, &flags); !error.empty()) return Usage(error);
  xsd::DrivingWorldOptions options;
  std::string out;
  for (const auto& [key, value] : flags) {
    bool ok = true;
    if (key == "out") {
      out = value;
    } else if (key == "num_train") {
      ok = absl::SimpleAtoi(value, &options.num_train);
    } else if (key == "num_heldout") {
      ok = absl::SimpleAtoi(value, &options.num_heldout);
    } else if (key == "seed") {
      ok = absl::SimpleAtoi(value, &options.seed);
    } else if (key == "video_size") {
      ok = absl::SimpleAtoi(value, &options.video_size);
    } else if (key == "event_size") {
      ok = absl::SimpleAtoi(value, &options.event_size);
    } else if (key == "frames") {
      ok = absl::SimpleAtoi(value, &options.frames);
    } else if (key == "fps") {
      ok = absl::SimpleAtod(value, &options.fps);
    } else {
      return Usage("unknown flag --" + key);
    }
    if (!ok) return Usage("--" + key + ": not a number: " + value);
  }
  if (out.empty()) return Usage("--out is required");
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = xsd::WriteDrivingWorld(out, options);
  if (!status.ok()) {
    std::fprintf(stderr, "xsd_make_world: %s\n", status.ToString().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %d train + %d held-out scenes (seed %llu, video %dpx, events %dpx, %d frames) in %.1f s\n",
              out.c_str(), options.num_train, options.num_heldout, static_cast<unsigned long long>(options.seed),
              options.video_size, options.event_size, options.frames, seconds);
  return 0;
}
