// Adapter: maps drafter hidden states into the target's hidden space, so the
// target's own LM head turns them into draft tokens (FACTS §3: L1-L5, B1, L5F).
//
// Map() takes [T, d] rows (post final norm) and writes [T, d_target] rows.
// Stateless between calls except for sequence adapters (L5/B1/L5F), whose
// causal attention sees the rows given in one call: callers pass the whole
// window they want attended. The adapter casts inputs to its own dtype and
// device explicitly (the boundary between two models).
//
// Ownership and threading: owns its weights; Map is const and may be called
// from any thread, but not concurrently on one device stream.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "xsd/core/types.h"

namespace xsd {

struct AdapterCapabilities {
  bool uses_drafter_hidden = true;   // L1-L5, L5F
  bool uses_target_hidden = false;   // B1 (target only), L5F (fused)
  bool sequence = false;             // attends over the rows of one call (L4 non-causal, L5* causal)
  bool predicts_next = false;        // output row t predicts the target state at t+1 (L5, B1, L5F)
  bool fuses = false;                // needs drafter AND target states, row for row (L5F)
};

struct AdapterInput {
  const at::Tensor* drafter_hidden = nullptr;  // [T, d_drafter] or nullptr
  const at::Tensor* target_hidden = nullptr;   // [T, d_target] or nullptr
  int first_position = 0;                      // position of row 0 (positional tables)
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual const std::string& name() const = 0;
  virtual AdapterCapabilities capabilities() const = 0;
  virtual int64_t parameter_count() const = 0;
  // Writes [T, d_target] rows in target space into *out.
  virtual absl::Status Map(const AdapterInput& input, at::Tensor* out) const = 0;
};

}  // namespace xsd
