#include "xsd/drafters/hidden_head_drafter.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {

// Committed target states and the predicted states of the current
// speculation, as lists of [1, d] rows (concatenated per head call).
struct HiddenHeadDrafter::Window {
  std::vector<at::Tensor> committed;
  std::vector<at::Tensor> predicted;
  int dropped = 0;  // generated index of committed[0] (older rows left the window)
  bool seen_prefill = false;
};

HiddenHeadDrafter::HiddenHeadDrafter(std::unique_ptr<Adapter> head, const Verifier* target,
                                     const HiddenHeadOptions& options, HiddenHeadStream stream)
    : head_(std::move(head)), target_(target->features()), options_(options), stream_(std::move(stream)), window_(new Window()) {
  info_ = target->info();
  info_.name = "hidden_head:" + head_->name();
}

HiddenHeadDrafter::~HiddenHeadDrafter() = default;

absl::StatusOr<std::unique_ptr<HiddenHeadDrafter>> HiddenHeadDrafter::Create(std::unique_ptr<Adapter> head,
                                                                             const Verifier* target,
                                                                             const HiddenHeadOptions& options,
                                                                             HiddenHeadStream stream) {
  if (head == nullptr || target == nullptr) return absl::InvalidArgumentError("hidden_head: missing head or target");
  if (!head->capabilities().predicts_next) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_head: adapter ", head->name(),
                                                   " does not predict next states (use L5 or B1)"));
  }
  const AdapterCapabilities caps = head->capabilities();
  if (!caps.uses_target_hidden) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_head: adapter ", head->name(), " does not read target states"));
  }
  Drafter* source = stream.owned ? stream.owned.get() : stream.borrowed;
  const bool fused = caps.fuses;
  if (fused && (source == nullptr || source->feature_stream() == nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_head: adapter ", head->name(),
                                                   " fuses another drafter's hidden states: give a stream drafter "
                                                   "that has them (EventGPT), or use a two-phase pipeline"));
  }
  if (!fused) stream = HiddenHeadStream();
  const TargetFeatures* features = target->features();
  if (features == nullptr || features->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("hidden_head: target '", target->info().name,
                                                      "' exposes no LM head"));
  }
  if (options.max_positions < 2) return absl::InvalidArgumentError("hidden_head: max_positions must be >= 2");
  return std::unique_ptr<HiddenHeadDrafter>(
      new HiddenHeadDrafter(std::move(head), target, options, std::move(stream)));
}

DrafterCapabilities HiddenHeadDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.needs_target_features = true;
  caps.own_prefill = stream_.owned != nullptr;  // the owned stream prefills in Begin
  return caps;
}

absl::Status HiddenHeadDrafter::Begin(const DraftContext& context) {
  *window_ = Window();
  if (stream_.owned) {
    XSD_RETURN_IF_ERROR_CTX(stream_.owned->Begin(context), "hidden_head stream");
    breakdown_ = stream_.owned->prefill_breakdown();
  }
  return absl::OkStatus();
}

absl::Status HiddenHeadDrafter::Observe(const RoundOutcome& outcome) {
  if (stream() != nullptr) {
    // The stream follows the committed tokens too (it proposed nothing of this round).
    RoundOutcome for_stream = outcome;
    for_stream.accepted_nodes = {};
    XSD_RETURN_IF_ERROR_CTX(stream()->Observe(for_stream), "hidden_head stream");
  }
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
      const size_t drop = window_->committed.size() - keep;
      window_->committed.erase(window_->committed.begin(), window_->committed.begin() + drop);
      window_->dropped += static_cast<int>(drop);
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
    // L5F: the stream's states for the same generated positions (its own
    // continuation past the committed ones).
    // Draft j reads the stream's states up to generated index
    // dropped + committed_rows + j - 1: a stream whose cache ends sooner
    // drafts fewer tokens (drafter.h: Propose may return fewer).
    at::Tensor stream_states;
    const int committed_rows = static_cast<int>(window_->committed.size());
    int count = spec.max_tokens;
    if (stream() != nullptr && count > 0) {
      FeatureStream& states = *stream()->feature_stream();
      count = std::min(count, states.max_generated_states() - window_->dropped - committed_rows + 1);
      if (count <= 0) return draft;
      XSD_ASSIGN_OR_RETURN(stream_states, states.GeneratedStates(window_->dropped + committed_rows + count - 1));
    }
    for (int j = 0; j < count; ++j) {
      std::vector<at::Tensor> rows = window_->committed;
      rows.insert(rows.end(), window_->predicted.begin(), window_->predicted.end());
      int first = 0;  // index into the window of the first row given to the head
      if (static_cast<int>(rows.size()) > options_.max_positions) {
        first = static_cast<int>(rows.size()) - options_.max_positions;
        rows.erase(rows.begin(), rows.begin() + first);
      }
      const at::Tensor states = at::cat(rows, 0);
      AdapterInput in;
      in.target_hidden = &states;
      at::Tensor drafter_states;
      if (stream_states.defined()) {
        drafter_states = stream_states.narrow(0, window_->dropped + first, states.size(0));
        in.drafter_hidden = &drafter_states;
      }
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
