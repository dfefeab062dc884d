// RotaryEmbedding: cos/sin tables for every position up to max_positions,
// computed once at load on the model's device, and the rotation itself.
//
// Conventions are those of Hugging Face LLaMA (the "rotate half" layout):
//   inv_freq[i] = theta^(-2i / head_dim), i < head_dim / 2 (then scaled by the rope type)
//   angle[p, i] = p * inv_freq[i]             (float32, as transformers computes it)
//   cos[p] = cos(cat(angle[p], angle[p])), sin likewise, cast to the model dtype
//   rotate(x) = x * cos + cat(-x[half:], x[:half]) * sin
// A forward gathers its rows by position id (tree nodes share positions), so
// nothing is recomputed or allocated per step beyond the gathered rows.
//
// Immutable after Create; thread-safe.
#pragma once

#include <utility>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/models/rope_config.h"

namespace xsd {

struct RotaryEmbeddingSpec {
  RopeConfig rope;
  int head_dim = 0;
  int max_positions = 0;            // table rows: positions [0, max_positions)
  int max_position_embeddings = 0;  // the config's; dynamic NTK scaling only applies beyond it
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device = c10::Device(c10::DeviceType::CPU);
};

class RotaryEmbedding {
 public:
  RotaryEmbedding() = default;
  // InvalidArgument for impossible parameters; Unimplemented for dynamic NTK
  // scaling when max_positions exceeds max_position_embeddings (the scaled
  // table would change with the sequence length).
  static absl::StatusOr<RotaryEmbedding> Create(const RotaryEmbeddingSpec& spec);

  // Inverse frequencies after scaling, float32 [head_dim / 2], on CPU.
  static absl::StatusOr<at::Tensor> InverseFrequencies(const RopeConfig& rope, int head_dim);

  // cos and sin rows [T, head_dim] (model dtype) for int64 positions [T] on
  // the model's device. Positions must lie in [0, max_positions).
  absl::StatusOr<std::pair<at::Tensor, at::Tensor>> Gather(const at::Tensor& positions) const;

  // Rotates x [T, heads, head_dim] with rows [T, head_dim] from Gather.
  static absl::StatusOr<at::Tensor> Apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

  const at::Tensor& cos_table() const { return cos_; }  // [max_positions, head_dim]
  const at::Tensor& sin_table() const { return sin_; }
  int max_positions() const { return max_positions_; }

 private:
  at::Tensor cos_, sin_;
  int max_positions_ = 0;
};

}  // namespace xsd
