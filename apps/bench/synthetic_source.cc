#include "synthetic_source.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/vision/multimodal_inputs.h"

#ifdef XSD_BENCH_WITH_MEDIA
#include "xsd/base/status.h"
#include "xsd/media/synthetic_scene.h"
#endif

namespace xsd::bench {

absl::StatusOr<std::string> WriteSyntheticScenes(const std::string& dir, int scenes, uint64_t seed) {
#ifdef XSD_BENCH_WITH_MEDIA
  SyntheticDatasetOptions options;
  options.num_scenes = scenes;
  options.seed = seed;
  XSD_RETURN_IF_ERROR_CTX(WriteSyntheticDataset(dir, options), "synthetic scenes for real models without --dataset_dir");
  return dir;
#else
  // No media module: the same layout with placeholder media (pseudo-random
  // pixels; timing only, see multimodal_inputs.h).
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "mp4", ec);
  fs::create_directories(fs::path(dir) / "event_image", ec);
  fs::create_directories(fs::path(dir) / "event_image_1f", ec);
  if (ec) return absl::InternalError(absl::StrCat("placeholder scenes: cannot create ", dir, ": ", ec.message()));
  std::ofstream index(fs::path(dir) / "EventGPT_Instruction_Subset.json");
  index << "[";
  for (int i = 0; i < scenes; ++i) {
    const std::string id = absl::StrCat("placeholder_", i);
    XSD_RETURN_IF_ERROR(WritePlaceholderMedia((fs::path(dir) / "mp4" / (id + ".mp4")).string(), seed * 1000 + i));
    XSD_RETURN_IF_ERROR(WritePlaceholderMedia((fs::path(dir) / "event_image" / (id + ".png")).string(), seed * 1000 + i));
    XSD_RETURN_IF_ERROR(WritePlaceholderMedia((fs::path(dir) / "event_image_1f" / (id + ".png")).string(), seed * 1000 + i));
    index << (i ? "," : "") << "{\"id\":\"" << id << "\",\"video_data\":\"" << id << "\",\"event_image\":[\"" << id
          << ".png\"],\"event_image_1f\":[\"" << id << ".png\"]}";
  }
  index << "]\n";
  if (!index.good()) return absl::InternalError(absl::StrCat("placeholder scenes: cannot write the index in ", dir));
  return dir;
#endif
}

}  // namespace xsd::bench
