// Registry glue of the adapters module: adapter factories ("identity", "L1"
// ... "L5F") and the decode-phase drafter "hidden_head" (L5 / B1 over the
// target's hidden states). Called from RegisterBuiltinComponents.
#pragma once

#include "absl/status/statusor.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/config/registry.h"
#include "xsd/io/safetensors.h"

namespace xsd {

// Dimensions of a `kind` adapter stored in `checkpoint`, read off its tensor
// shapes (hidden width, bottleneck, block counts, FFN width, positional
// table); heads from the file's metadata when recorded, else `heads`.
absl::StatusOr<AdapterDims> InferAdapterDims(AdapterKind kind, const CheckpointReader& checkpoint, int heads);

void RegisterAdapterComponents(Registry& registry);

}  // namespace xsd
