// Extraction (the research's stage 2): paired post-final-norm hidden states
// of a drafter and a target, produced by libxsd's own runtime (any device,
// the models' dtype), one sequence per request.
//
// The target decodes greedily on its own (Prefill, then one Verify + Commit
// per token, up to max_new_tokens or EOS); row j is its state that predicted
// its token j. The drafter (one with a FeatureStream: EventGPT, or a LLaMA
// drafter keeping hidden rows) gives the state of the same output position:
//   free            it generates freely (its own greedy continuation), as
//                   the research paired them: position-aligned, trimmed to
//                   the target's length;
//   teacher_forced  it reads the target's output (Observe), so row j is its
//                   state after the target's tokens 0..j-1.
// The drafter's and the target's tokenizers must agree id for id (the
// error names the first id that differs).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/drafter.h"
#include "xsd/core/verifier.h"
#include "xsd/training/feature_set.h"

namespace xsd {

enum class Pairing { kFree, kTeacherForced };
const char* PairingName(Pairing pairing);  // "free", "teacher_forced"
absl::StatusOr<Pairing> ParsePairing(const std::string& name);

struct ExtractionOptions {
  Pairing pairing = Pairing::kFree;
  int max_new_tokens = 50;
};

// One request's rows. `target` and `drafter` are used alone (no scheduler).
absl::StatusOr<FeatureRows> ExtractPair(Verifier& target, Drafter& drafter, const Request& request,
                                        const ExtractionOptions& options);

// Checks that `drafter` and `target` can be paired: hidden states on both
// sides, and one tokenizer (when both have one).
absl::Status CheckPairable(Drafter& drafter, const Verifier& target);

// Every request not yet in `writer` (resume), in order; `on_sample(i, n)`
// after each. Finishes the writer.
absl::Status ExtractFeatures(Verifier& target, Drafter& drafter, const std::vector<Request>& requests,
                             const ExtractionOptions& options, FeatureShardWriter& writer,
                             const std::function<void(int, int)>& on_sample = {});

// The target's own sequence, for EAGLE heads (no drafter): every position
// of the prompt (visual rows included) and of its greedy output but the
// last token, row i holding the input embedding the target's layers read at
// i (in FeatureRows::drafter_hidden), its post-final-norm state at i
// (target_hidden) and its greedy token after i: argmax of its LM head
// (target_tokens). The set's pairing is kTargetSequencePairing.
inline constexpr char kTargetSequencePairing[] = "target_sequence";
absl::StatusOr<FeatureRows> ExtractTargetSequence(Verifier& target, const Request& request,
                                                  const ExtractionOptions& options);
absl::Status ExtractTargetSequences(Verifier& target, const std::vector<Request>& requests,
                             const ExtractionOptions& options, FeatureShardWriter& writer,
                             const std::function<void(int, int)>& on_sample = {});

}  // namespace xsd
