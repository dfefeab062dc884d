#include "vision/multimodal_merge.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"

namespace xsd {

absl::StatusOr<at::Tensor> SpliceEmbeddings(const at::Tensor& text_embeds, int at, int replace_count,
                                            const at::Tensor& visual) {
  return TorchCall("splicing visual embeddings", [&]() -> absl::StatusOr<at::Tensor> {
    if (text_embeds.dim() != 2 || visual.dim() != 2 || text_embeds.size(1) != visual.size(1)) {
      return absl::InvalidArgumentError(absl::StrCat("splice: text embeddings [", text_embeds.dim() == 2 ? text_embeds.size(0) : -1,
                                                     ", d] and visual embeddings [V, d] must share d"));
    }
    const int64_t length = text_embeds.size(0);
    if (at < 0 || replace_count < 0 || at + replace_count > length) {
      return absl::InvalidArgumentError(absl::StrCat("splice: position ", at, " (+", replace_count,
                                                     ") outside a prompt of ", length, " tokens"));
    }
    if (text_embeds.scalar_type() != visual.scalar_type() || text_embeds.device() != visual.device()) {
      return absl::InvalidArgumentError("splice: text and visual embeddings differ in dtype or device");
    }
    return at::cat({text_embeds.slice(0, 0, at), visual, text_embeds.slice(0, at + replace_count)}, 0);
  });
}

}  // namespace xsd
