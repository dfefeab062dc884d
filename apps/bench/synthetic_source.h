// Inputs for real models when no --dataset_dir is given: a synthetic
// DSEC-layout dataset (xsd/media/synthetic_scene.h) written into the output
// directory and then read like a real one (dataset.h), so the rest of the
// bench does not know the difference. Mock-only runs do not need it (the
// built-in scenes carry no media).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace xsd::bench {

// Writes `scenes` seeded scenes into `dir` (deterministic: a resumed run
// rewrites the same scenes) and returns `dir`. When libxsd was built without
// its media module (XSD_WITH_OPENCV=OFF), the scenes' media are placeholders
// (pseudo-random pixels: timing only; multimodal_inputs.h).
absl::StatusOr<std::string> WriteSyntheticScenes(const std::string& dir, int scenes, uint64_t seed);

}  // namespace xsd::bench
