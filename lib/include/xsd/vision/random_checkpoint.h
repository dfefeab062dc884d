// Random-weight checkpoints in the Hugging Face layouts libxsd loads, for
// tests (tiny shapes) and for timing at real scale where no real weights may
// be downloaded (7B shapes). Written by the xsd_make_checkpoint tool and by
// tests into temporary directories.
//
// A checkpoint is config.json, safetensors (one file, or shards plus
// model.safetensors.index.json) and, when a tokenizer directory is given, its
// tokenizer files. Weights: normal(0, init_std) for matrices, embeddings and
// biases; LayerNorm / RMSNorm weights 1 and LayerNorm biases 0. Every tensor
// is drawn from its own generator seeded by (seed, tensor name), so the values
// do not depend on the sharding, and both layouts of a preset hold the same
// values for the same seed. Writing streams shard by shard: at most one
// shard's tensors are in memory at a time (7B checkpoints never hold all
// weights in RAM).
//
// Presets (RandomCheckpointPresets()):
//   llama_tiny, eventgpt_tiny, video_llava_tiny   test shapes (a few MB);
//       vocabulary taken from the tokenizer when one is given (Video-LLaVA
//       adds <image>, <video>, <pad> after it and pads to a multiple of 64)
//   video_llava_world, eventgpt_world             the driving world's trained pair
//       (LLaMA 3 / 2 x 96, CLIP 2 x 48 at 48 pixels; docs/training.md)
//   video_llava_7b, eventgpt_7b                   the real shapes: LLaMA 32 x
//       4096 (MLP 11008, 32 heads), CLIP ViT-L/14 (24 x 1024) at 224 / 336,
//       vocab 32064 / 32000; bf16 by default
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "xsd/core/param_spec.h"

namespace xsd {

struct RandomCheckpointOptions {
  std::string preset;
  std::string out_dir;
  std::string layout = "hub";        // "hub" (published names, top-level rope_theta) or "transformers5"
  uint64_t seed = 0;
  std::optional<c10::ScalarType> dtype;  // default: float32 for tiny presets, bfloat16 for 7B
  std::string tokenizer_dir;         // its tokenizer files are copied; "" = none
  double init_std = 0.02;
  int64_t max_shard_bytes = int64_t{2} << 30;
  // Tensors written instead of random draws, by name (trained weights,
  // converted to `dtype`); the preset's other tensors are drawn.
  std::map<std::string, at::Tensor> values;
};

std::vector<std::string> RandomCheckpointPresets();

// A preset's tensors (hub layout names) with the random writer's
// initialisation, for training one (xsd/training): the vocabulary and the
// Video-LLaVA tokens follow `tokenizer_dir`'s tokenizer when one is given.
absl::StatusOr<std::vector<ParamSpec>> PresetParameters(const std::string& preset, const std::string& tokenizer_dir);

// Number of parameters a preset's checkpoint holds (7B presets: with the
// Vicuna-7B text model, both CLIP towers of Video-LLaVA, projector, adaptor).
// Tiny presets use LLaMA's 32000-token vocabulary here (no tokenizer).
absl::StatusOr<int64_t> RandomCheckpointParameters(const std::string& preset);

// Writes the checkpoint; errors name the preset, option or file at fault.
absl::Status WriteRandomCheckpoint(const RandomCheckpointOptions& options);

}  // namespace xsd
