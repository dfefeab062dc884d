#include "synthetic_source.h"

#include "absl/strings/str_cat.h"

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
  return absl::UnavailableError(absl::StrCat("real models without --dataset_dir need synthetic scenes, and this "
                                             "libxsd has no media module (XSD_WITH_OPENCV=OFF); pass --dataset_dir (",
                                             dir, " was not written)"));
#endif
}

}  // namespace xsd::bench
