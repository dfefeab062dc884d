// What the target returns from one forward over [pending token, draft nodes].
// Row 0 is the next-token prediction after the pending token (for a prefill:
// after the last prompt token); row 1 + i is the prediction after draft node i
// (conditioned on the node's ancestors only, through the tree mask).
#pragma once

#include <vector>

#include "absl/types/span.h"
#include "xsd/core/types.h"

namespace xsd {

struct TargetOutput {
  int rows = 0;
  std::vector<TokenId> argmax;  // [rows]; computed with the shared tie-break
  std::vector<float> logits;    // [rows * vocab] when requested, else empty
  int vocab = 0;
  // [rows] top-1 minus top-2 logit of each row when requested, else empty:
  // how far each greedy choice was from a tie (bf16 reproducibility reports).
  std::vector<float> margins;

  bool has_logits() const { return !logits.empty(); }
  absl::Span<const float> Logits(int row) const {
    return absl::MakeConstSpan(logits.data() + static_cast<size_t>(row) * vocab, vocab);
  }
};

// What the caller needs back from a forward: device->host traffic is only paid
// for what is asked.
struct OutputRequest {
  bool logits = false;   // host copy of full logits rows (stochastic acceptance)
  bool margins = false;  // TargetOutput::margins (two values per row read back)
};

}  // namespace xsd
