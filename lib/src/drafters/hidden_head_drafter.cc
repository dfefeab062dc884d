#include "xsd/drafters/hidden_head_drafter.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/base/torch_status.h"

namespace xsd {

// Committed target states and the predicted states of the current
// speculation, as lists of [1, d] rows (concatenated per head call).
struct HiddenHeadDrafter::Window {
  std::vector<at::Tensor> committed;
  std::vector<at::Tensor> predicted;
  bool seen_prefill = false;
};

HiddenHeadDrafter::HiddenHeadDrafter(std::unique_ptr<Adapter> head, const Verifier* target,
                                     const HiddenHeadOptions& options)
    : head_(std::move(head)), target_(target), options_(options), window_(new Window()) {
  info_ = target->info();
  info_.name = "hidden_head:" + head_->name();
}

HiddenHeadDrafter::~HiddenHeadDrafter() = default;

absl::StatusOr<std::unique_ptr<HiddenHeadDrafter>> HiddenHeadDrafter::Create(std::unique_ptr<Adapter> head,
                                                                             const Verifier* target,
                                                                             const HiddenHeadOptions& options) {
  if (head == nullptr || target == nullptr) return absl::InvalidArgumentError("hidden_head: missing head or target");
  if (!head->capabilities().predicts_next) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_head: adapter ", head->name(),
                                                   " does not predict next states (use L5 or B1)"));
  }
  if (head->capabilities().uses_drafter_hidden && !head->capabilities().uses_target_hidden) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_head: adapter ", head->name(), " needs drafter states"));
  }
  if (target->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("hidden_head: target '", target->info().name,
                                                      "' exposes no LM head"));
  }
  if (options.max_positions < 2) return absl::InvalidArgumentError("hidden_head: max_positions must be >= 2");
  return std::unique_ptr<HiddenHeadDrafter>(new HiddenHeadDrafter(std::move(head), target, options));
}

DrafterCapabilities HiddenHeadDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.needs_target_features = true;
  return caps;
}

absl::Status HiddenHeadDrafter::Begin(const DraftContext&) {
  *window_ = Window();
  return absl::OkStatus();
}

absl::Status HiddenHeadDrafter::Observe(const RoundOutcome& outcome) {
  return TorchCall("hidden_head observe", [&]() -> absl::Status {
    window_->predicted.clear();
    const at::Tensor* hidden = outcome.target.hidden;
    if (hidden == nullptr || !hidden->defined()) {
      return absl::FailedPreconditionError("hidden_head: the target gave no hidden states for the committed rows");
    }
    // After the prefill only the last prompt row belongs to the generated
    // positions; after a round every committed row does.
    const int64_t rows = hidden->size(0);
    const int64_t first = window_->seen_prefill ? 0 : rows - 1;
    window_->seen_prefill = true;
    for (int64_t r = first; r < rows; ++r) window_->committed.push_back(hidden->narrow(0, r, 1));
    const size_t keep = static_cast<size_t>(options_.max_positions) - 1;  // room for one predicted row
    if (window_->committed.size() > keep) {
      window_->committed.erase(window_->committed.begin(), window_->committed.end() - keep);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Draft> HiddenHeadDrafter::Propose(const DraftSpec& spec) {
  if (spec.tree.has_value()) return absl::UnimplementedError("hidden_head: drafts chains only");
  return TorchCall("hidden_head propose", [&]() -> absl::StatusOr<Draft> {
    Draft draft;
    if (window_->committed.empty()) return draft;
    const at::Tensor& lm_head = *target_->lm_head();
    for (int j = 0; j < spec.max_tokens; ++j) {
      std::vector<at::Tensor> rows = window_->committed;
      rows.insert(rows.end(), window_->predicted.begin(), window_->predicted.end());
      if (static_cast<int>(rows.size()) > options_.max_positions) {
        rows.erase(rows.begin(), rows.end() - options_.max_positions);
      }
      const at::Tensor states = at::cat(rows, 0);
      AdapterInput in;
      in.target_hidden = &states;
      at::Tensor predicted;
      XSD_RETURN_IF_ERROR(head_->Map(in, &predicted));
      const at::Tensor next = predicted.narrow(0, predicted.size(0) - 1, 1);
      const at::Tensor logits = at::linear(next.to(lm_head.device(), lm_head.scalar_type()), lm_head);
      const TokenId token = static_cast<TokenId>(logits.argmax(-1).item<int64_t>());
      draft.Add(token, draft.size() - 1);
      window_->predicted.push_back(next.to(states.device(), states.scalar_type()));
    }
    return draft;
  });
}

}  // namespace xsd
