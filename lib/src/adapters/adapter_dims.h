// The dimensions of an adapter stored in a checkpoint, read off its tensor
// shapes (hidden width, bottleneck, block counts, FFN width, positional
// table) and its metadata (attention heads, when recorded).
#pragma once

#include "absl/status/statusor.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/io/safetensors.h"

namespace xsd {

// Heads from the file's metadata ("config": {"num_heads": N}) when recorded,
// else `heads`.
absl::StatusOr<AdapterDims> InferAdapterDims(AdapterKind kind, const CheckpointReader& checkpoint, int heads);

}  // namespace xsd
