#include "vision/eventgpt_pooling.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"

namespace xsd {

absl::StatusOr<at::Tensor> SpatioTemporalPool(const at::Tensor& features) {
  return TorchCall("spatio-temporal pooling", [&]() -> absl::StatusOr<at::Tensor> {
    if (features.dim() != 3 || features.size(0) < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("spatio-temporal pooling: features must be [T >= 1, S, C], got ", features.dim(), " dims"));
    }
    at::Tensor temporal = features.mean({1});  // [T, C]
    at::Tensor spatial = features.mean({0});   // [S, C]
    return at::cat({temporal, spatial}, 0);
  });
}

}  // namespace xsd
