// HiddenHeadDrafter: decode-phase drafting from the target's own hidden
// states with an EAGLE-style sequence head (adapters L5 and B1, FACTS.md §3).
//
// The head is causal and predicts, at each row, the target's *next* hidden
// state. The drafter keeps a window of the target's committed hidden states
// (post final norm), one per generated position: row 0 is the state at the
// last prompt position (the one that predicted the first output token), then
// one row per committed token. To draft, it runs the head over the window,
// turns the last predicted state into a token with the target's LM head
// (argmax), appends the predicted state to the window and repeats; Observe
// drops the predicted rows and appends the target's real committed states.
// The window keeps the most recent `max_positions` rows (the head's
// positional table); positions are counted from the window's start.
//
// Ownership: owns the adapter; borrows the target (for its LM head), which
// must outlive the drafter. One request at a time; calls never overlap.
#pragma once

#include <memory>
#include <vector>

#include "xsd/core/adapter.h"
#include "xsd/core/drafter.h"
#include "xsd/core/verifier.h"

namespace xsd {

struct HiddenHeadOptions {
  int max_positions = 512;  // the head's positional table
};

// Where an L5F head's drafter-side states come from (see the file comment).
struct HiddenHeadStream {
  Drafter* borrowed = nullptr;      // not owned
  std::unique_ptr<Drafter> owned;   // begun by this drafter
};

class HiddenHeadDrafter final : public Drafter {
 public:
  static absl::StatusOr<std::unique_ptr<HiddenHeadDrafter>> Create(std::unique_ptr<Adapter> head, const Verifier* target,
                                                                   const HiddenHeadOptions& options,
                                                                   HiddenHeadStream stream = {});
  ~HiddenHeadDrafter() override;

  const ModelInfo& info() const override { return info_; }
  DrafterCapabilities capabilities() const override;
  absl::Status Begin(const DraftContext& context) override;
  absl::StatusOr<Draft> Propose(const DraftSpec& spec) override;
  absl::Status Observe(const RoundOutcome& outcome) override;
  const PrefillBreakdown& prefill_breakdown() const override { return breakdown_; }

 private:
  HiddenHeadDrafter(std::unique_ptr<Adapter> head, const Verifier* target, const HiddenHeadOptions& options,
                    HiddenHeadStream stream);
  Drafter* stream() const { return stream_.owned ? stream_.owned.get() : stream_.borrowed; }
  struct Window;

  std::unique_ptr<Adapter> head_;
  const TargetFeatures* target_;  // not owned: the target's (Verifier::features())
  HiddenHeadOptions options_;
  HiddenHeadStream stream_;
  ModelInfo info_;
  PrefillBreakdown breakdown_;
  std::unique_ptr<Window> window_;
};

}  // namespace xsd
