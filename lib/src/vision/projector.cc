#include "xsd/vision/projector.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "nn_ops.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {

struct MlpProjector::Weights {
  vision_internal::Linear first, second;
};

MlpProjector::MlpProjector(const MlpProjectorSpec& spec, std::unique_ptr<Weights> weights)
    : spec_(spec), weights_(std::move(weights)) {}
MlpProjector::~MlpProjector() = default;

absl::StatusOr<std::unique_ptr<MlpProjector>> MlpProjector::Load(const MlpProjectorSpec& spec,
                                                                  const ScopedWeights& weights) {
  if (spec.in_features <= 0 || spec.out_features <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("projector '", weights.prefix(), "': feature sizes must be > 0, got ",
                                                   spec.in_features, " -> ", spec.out_features));
  }
  if (!vision_internal::IsKnownActivation(spec.activation)) {
    return absl::InvalidArgumentError(
        absl::StrCat("projector '", weights.prefix(), "': unsupported activation '", spec.activation, "'"));
  }
  auto w = std::make_unique<Weights>();
  XSD_ASSIGN_OR_RETURN(w->first, vision_internal::TakeLinear(weights, spec.first, spec.out_features, spec.in_features, true));
  XSD_ASSIGN_OR_RETURN(w->second,
                       vision_internal::TakeLinear(weights, spec.second, spec.out_features, spec.out_features, true));
  return std::unique_ptr<MlpProjector>(new MlpProjector(spec, std::move(w)));
}

absl::StatusOr<at::Tensor> MlpProjector::Forward(const at::Tensor& features) const {
  return TorchCall("projector forward", [&]() -> absl::StatusOr<at::Tensor> {
    const at::Tensor& w = weights_->first.weight;
    if (!features.defined() || features.dim() < 1 || features.size(-1) != spec_.in_features) {
      return absl::InvalidArgumentError(absl::StrCat("projector: features must end in ", spec_.in_features,
                                                     " channels, got ", features.defined() ? features.size(-1) : -1));
    }
    at::Tensor x = features.to(w.device(), w.scalar_type());
    return weights_->second(vision_internal::Activation(spec_.activation, weights_->first(x)));
  });
}

}  // namespace xsd
