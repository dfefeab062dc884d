// EventGPT's spatio-temporal pooling of per-frame visual features
// (FACTS.md §5): for features [T, S, C] of T event frames, T temporal tokens
// (frame i's mean over its S tokens) followed by S spatial tokens (the mean
// over the T frames of each token position): [T + S, C]. One frame of CLIP-336
// features (S = 577) gives 578 tokens.
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

absl::StatusOr<at::Tensor> SpatioTemporalPool(const at::Tensor& features);

}  // namespace xsd
