// Adapter implementations L1-L5, B1, L5F (xsd/core/adapter.h) and their
// construction from a checkpoint or from random weights (benchmarks).
//
// Semantics (FACTS.md §3, same as the research modules): LayerNorm eps 1e-5,
// exact GELU, dropout off (inference), attention = multi-head scaled dot
// product with a fused in-projection (8 heads), L4 unmasked, L5/B1/L5F causal
// with a learned positional table indexed from AdapterInput::first_position.
// Single-input kinds map AdapterInput::drafter_hidden when it is set, else
// target_hidden (B1 and decode-phase L5 are fed target states); L5F needs
// both. Inputs are cast to the adapter's dtype and device explicitly.
#pragma once

#include <memory>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/core/adapter.h"
#include "xsd/models/weight_source.h"

namespace xsd {

// Takes every parameter of `kind` from `weights` (names of adapter_spec.h,
// under the source's own prefix); shape mismatches and missing tensors are
// errors naming the tensor.
absl::StatusOr<std::unique_ptr<Adapter>> LoadAdapter(AdapterKind kind, const AdapterDims& dims,
                                                     WeightSource& weights);

// Random weights (normal std 0.02, LayerNorms 1/0, alpha 0.1, output
// projections identity as the research initialises them): timing runs only.
absl::StatusOr<std::unique_ptr<Adapter>> MakeRandomAdapter(AdapterKind kind, const AdapterDims& dims, uint64_t seed,
                                                           c10::Device device, c10::ScalarType dtype);

}  // namespace xsd
