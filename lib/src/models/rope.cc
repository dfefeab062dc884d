#include "xsd/models/rope.h"

#include <cmath>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"

namespace xsd {

const char* RopeTypeName(RopeConfig::Type type) {
  switch (type) {
    case RopeConfig::Type::kDefault: return "default";
    case RopeConfig::Type::kLinear: return "linear";
    case RopeConfig::Type::kDynamic: return "dynamic";
    case RopeConfig::Type::kLlama3: return "llama3";
  }
  return "unknown";
}

absl::StatusOr<at::Tensor> RotaryEmbedding::InverseFrequencies(const RopeConfig& rope, int head_dim) {
  if (head_dim <= 0 || head_dim % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("rope: head_dim must be positive and even, got ", head_dim));
  }
  if (!(rope.theta > 0)) return absl::InvalidArgumentError(absl::StrCat("rope: theta must be positive, got ", rope.theta));
  if (rope.type != RopeConfig::Type::kDefault && !(rope.factor > 0)) {
    return absl::InvalidArgumentError(absl::StrCat("rope: factor must be positive, got ", rope.factor));
  }
  if (rope.type == RopeConfig::Type::kLlama3 &&
      (rope.original_max_position_embeddings <= 0 || !(rope.high_freq_factor > rope.low_freq_factor) ||
       !(rope.low_freq_factor > 0))) {
    return absl::InvalidArgumentError(
        "rope: llama3 needs original_max_position_embeddings > 0 and 0 < low_freq_factor < high_freq_factor");
  }
  return TorchCall("rope: inverse frequencies", [&]() -> absl::StatusOr<at::Tensor> {
    // float32 throughout, with the operations transformers uses (Python's
    // `scalar / tensor` is reciprocal() * scalar), so the tables agree with
    // its bit for bit wherever the math library does.
    const at::Tensor exponents = at::arange(0, head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(head_dim);
    at::Tensor inv = at::pow(at::Scalar(rope.theta), exponents).reciprocal();
    switch (rope.type) {
      case RopeConfig::Type::kDefault:
      case RopeConfig::Type::kDynamic:  // unscaled while positions stay below max_position_embeddings
        break;
      case RopeConfig::Type::kLinear:
        inv = inv / rope.factor;
        break;
      case RopeConfig::Type::kLlama3: {
        // Wavelengths longer than the original context / low_freq_factor are
        // interpolated by `factor`, shorter than context / high_freq_factor
        // kept, and the band between blended linearly in context / wavelength.
        const double context = rope.original_max_position_embeddings;
        const double low_freq_wavelen = context / rope.low_freq_factor;
        const double high_freq_wavelen = context / rope.high_freq_factor;
        const at::Tensor wavelen = inv.reciprocal() * (2 * M_PI);
        at::Tensor scaled = at::where(wavelen > low_freq_wavelen, inv / rope.factor, inv);
        const at::Tensor smooth = (wavelen.reciprocal() * context - rope.low_freq_factor) /
                                  (rope.high_freq_factor - rope.low_freq_factor);
        const at::Tensor blended = (1 - smooth) * scaled / rope.factor + smooth * scaled;
        const at::Tensor medium = at::logical_and(at::logical_not(wavelen < high_freq_wavelen),
                                                  at::logical_not(wavelen > low_freq_wavelen));
        inv = at::where(medium, blended, scaled);
        break;
      }
    }
    return inv;
  });
}

absl::StatusOr<RotaryEmbedding> RotaryEmbedding::Create(const RotaryEmbeddingSpec& spec) {
  if (spec.max_positions <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("rope: max_positions must be positive, got ", spec.max_positions));
  }
  if (spec.rope.type == RopeConfig::Type::kDynamic) {
    const int original = spec.rope.original_max_position_embeddings > 0 ? spec.rope.original_max_position_embeddings
                                                                        : spec.max_position_embeddings;
    if (spec.max_positions > original) {
      return absl::UnimplementedError(absl::StrCat(
          "rope_scaling.rope_type: 'dynamic' scaling beyond ", original, " positions changes the table with the ",
          "sequence length and is not supported; use max_seq_len <= ", original));
    }
  }
  absl::StatusOr<at::Tensor> inv = InverseFrequencies(spec.rope, spec.head_dim);
  if (!inv.ok()) return inv.status();
  return TorchCall("rope: tables", [&]() -> absl::StatusOr<RotaryEmbedding> {
    RotaryEmbedding r;
    r.max_positions_ = spec.max_positions;
    const at::Tensor positions = at::arange(spec.max_positions, at::kLong).to(at::kFloat);
    const at::Tensor angles = at::outer(positions, *inv);  // one rounding per element, as a [D/2,1]x[1,T] matmul
    const at::Tensor both = at::cat({angles, angles}, -1);
    r.cos_ = both.cos().to(spec.device, spec.dtype).contiguous();
    r.sin_ = both.sin().to(spec.device, spec.dtype).contiguous();
    return r;
  });
}

absl::StatusOr<std::pair<at::Tensor, at::Tensor>> RotaryEmbedding::Gather(const at::Tensor& positions) const {
  return TorchCall("rope: gather", [&]() -> absl::StatusOr<std::pair<at::Tensor, at::Tensor>> {
    return std::make_pair(cos_.index_select(0, positions), sin_.index_select(0, positions));
  });
}

absl::StatusOr<at::Tensor> RotaryEmbedding::Apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  return TorchCall("rope: apply", [&]() -> absl::StatusOr<at::Tensor> {
    const int64_t half = x.size(-1) / 2;
    const at::Tensor c = cos.unsqueeze(1);  // [T, 1, D] broadcast over heads
    const at::Tensor s = sin.unsqueeze(1);
    const at::Tensor rotated = at::cat({x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)}, -1);
    return x * c + rotated * s;
  });
}

}  // namespace xsd
