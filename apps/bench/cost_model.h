// An analytic model of one config's wall time as a function of the
// per-position draft acceptance probability `a`, with every cost measured
// from the config's own samples (docs/bench.md, "Cost model"):
//
//   T(a) = P + [F > 0] * Vh + R(a) * (V + D) + O
//
//   P   prefill phase (target prefill, waiting for the drafter lane included)
//   F   hidden drafts verified after the prefill; Vh that verification's cost
//   H(a) = 1 + sum_{k=1..F} a^k     tokens the hidden round yields (bonus included)
//   M(a) = max(0, N - 1 - [F > 0] * H(a))  tokens left for the decode phase (the first
//                                  comes from the prefill)
//   E(a) = (1 - a^(g+1)) / (1 - a) tokens per decode round with chains of gamma g
//                                  (g + 1 at a = 1; 1 when g = 0)
//   R(a) = M(a) / E(a)             decode rounds
//   V, D  target verify and drafting cost per decode round
//   O     the residual: measured total minus the modelled terms at the
//         measured counts (bookkeeping outside the timed spans)
//
// Acceptance is modelled as independent per position; `FitAcceptance` finds
// the `a` whose expected accepted-token count equals the measured one.
#pragma once

namespace xsd::bench {

struct CostModel {
  double prefill_ms = 0;        // P
  double hidden_drafts = 0;     // F (mean)
  double hidden_verify_ms = 0;  // Vh
  double n_tokens = 0;          // N (mean)
  int gamma = 0;                // g
  double verify_ms = 0;         // V, per decode round
  double draft_ms = 0;          // D, per decode round
  double overhead_ms = 0;       // O

  double HiddenTokens(double a) const;   // H(a)
  double TokensPerRound(double a) const; // E(a)
  double DecodeRounds(double a) const;   // R(a)
  double AcceptedTokens(double a) const; // expected accepted draft tokens per sample
  double TotalMs(double a) const;        // T(a)
};

// Acceptance in [0, 1] whose AcceptedTokens equals `accepted` (bisection;
// clamped to the ends when out of reach).
double FitAcceptance(const CostModel& model, double accepted);

}  // namespace xsd::bench
