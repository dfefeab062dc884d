#include "xsd/vision/draft_head.h"

#include <ATen/ATen.h>

#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/core/adapter.h"

namespace xsd {
namespace {

class AdapterDraftHead final : public DraftHead {
 public:
  AdapterDraftHead(std::unique_ptr<Adapter> adapter, const at::Tensor* lm_head)
      : adapter_(std::move(adapter)), lm_head_(lm_head) {}
  absl::StatusOr<at::Tensor> Tokens(const at::Tensor& hidden) const override {
    AdapterInput input;
    input.drafter_hidden = &hidden;
    at::Tensor mapped;
    XSD_RETURN_IF_ERROR(adapter_->Map(input, &mapped));
    return TorchCall("adapter draft head", [&]() -> absl::StatusOr<at::Tensor> {
      at::Tensor logits = at::linear(mapped.to(lm_head_->device(), lm_head_->scalar_type()), *lm_head_);
      return logits.argmax(-1).to(hidden.device());
    });
  }
  bool revises() const override { return adapter_->capabilities().sequence; }

 private:
  std::unique_ptr<Adapter> adapter_;
  const at::Tensor* lm_head_;  // not owned
};

}  // namespace

std::unique_ptr<DraftHead> MakeAdapterDraftHead(std::unique_ptr<Adapter> adapter, const at::Tensor* target_lm_head) {
  return std::make_unique<AdapterDraftHead>(std::move(adapter), target_lm_head);
}

}  // namespace xsd
