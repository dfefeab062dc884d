// xsd_make_checkpoint: writes a random-weight checkpoint in a Hugging Face
// layout (xsd/vision/random_checkpoint.h).
//
//   xsd_make_checkpoint --preset video_llava_7b --out /data/vl7b \
//       --tokenizer /data/tokenizer [--layout hub|transformers5] [--seed 0]
//       [--dtype float32|bfloat16|float16] [--init_std 0.02] [--max_shard_gb 2]
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "../common/flag_pairs.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "xsd/vision/random_checkpoint.h"

namespace {

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "xsd_make_checkpoint: %s\n", error.c_str());
  std::fprintf(stderr,
               "usage: xsd_make_checkpoint --preset NAME --out DIR [--tokenizer DIR] [--layout hub|transformers5]\n"
               "                           [--seed N] [--dtype float32|bfloat16|float16] [--init_std X]\n"
               "                           [--max_shard_gb X]\npresets: %s\n",
               absl::StrJoin(xsd::RandomCheckpointPresets(), ", ").c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return Usage("");
  }
  std::map<std::string, std::string> flags;
  if (const std::string error = xsd::apps::ReadFlagPairs(argc, argv, 1, &flags); !error.empty()) return Usage(error);
  xsd::RandomCheckpointOptions options;
  for (const auto& [key, value] : flags) {
    if (key == "preset") {
      options.preset = value;
    } else if (key == "out") {
      options.out_dir = value;
    } else if (key == "tokenizer") {
      options.tokenizer_dir = value;
    } else if (key == "layout") {
      options.layout = value;
    } else if (key == "seed") {
      if (!absl::SimpleAtoi(value, &options.seed)) return Usage("--seed: not an unsigned integer: " + value);
    } else if (key == "dtype") {
      if (value == "float32") options.dtype = c10::ScalarType::Float;
      else if (value == "bfloat16") options.dtype = c10::ScalarType::BFloat16;
      else if (value == "float16") options.dtype = c10::ScalarType::Half;
      else return Usage("--dtype: expected float32, bfloat16 or float16, got " + value);
    } else if (key == "init_std") {
      if (!absl::SimpleAtod(value, &options.init_std)) return Usage("--init_std: not a number: " + value);
    } else if (key == "max_shard_gb") {
      double gb = 0;
      if (!absl::SimpleAtod(value, &gb) || !(gb > 0)) return Usage("--max_shard_gb: not a positive number: " + value);
      options.max_shard_bytes = static_cast<int64_t>(gb * (1 << 30));
    } else {
      return Usage("unknown flag --" + key);
    }
  }
  if (options.preset.empty() || options.out_dir.empty()) return Usage("--preset and --out are required");
  const auto parameters = xsd::RandomCheckpointParameters(options.preset);
  if (!parameters.ok()) return Usage(std::string(parameters.status().message()));
  std::printf("%s: %.3f B parameters\n", options.preset.c_str(), static_cast<double>(*parameters) / 1e9);
  const absl::Status status = xsd::WriteRandomCheckpoint(options);
  if (!status.ok()) {
    std::fprintf(stderr, "xsd_make_checkpoint: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("wrote %s checkpoint to %s\n", options.preset.c_str(), options.out_dir.c_str());
  return 0;
}
