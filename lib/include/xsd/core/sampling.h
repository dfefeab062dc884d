// Token selection shared by every path that picks a token: autoregressive
// decoding, drafting and acceptance. Using one implementation everywhere is
// what keeps greedy speculative output identical to greedy autoregressive
// output when logits tie.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "xsd/base/rng.h"
#include "xsd/core/types.h"

namespace xsd {

// temperature == 0: greedy. Otherwise softmax(logits / temperature), then
// nucleus (top-p) truncation. The same transform is applied to the draft and
// the target distributions.
struct SamplingParams {
  float temperature = 0.0f;
  float top_p = 1.0f;
  bool greedy() const { return temperature <= 0.0f; }
};

absl::Status ValidateSamplingParams(const SamplingParams& params);

// The one argmax tie-break of libxsd: the lowest token id among the maxima.
// (torch.argmax returns the first maximal index too; real models use it on
// device and tests check the two agree.)
TokenId Argmax(absl::Span<const float> values);

// Writes the processed distribution of `logits` into `probs` (resized).
// Greedy params give a point mass on Argmax(logits). Nucleus truncation keeps
// the smallest set of most probable tokens whose mass reaches top_p (ties
// broken by lower id first) and renormalises.
void LogitsToProbs(absl::Span<const float> logits, const SamplingParams& params,
                   std::vector<float>* probs);

// Inverse-CDF sample from a normalised distribution (one Rng::Uniform draw).
TokenId SampleFrom(absl::Span<const float> probs, Rng* rng);

}  // namespace xsd
