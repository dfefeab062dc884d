// After loading: what to do with tensors the checkpoint holds that no block
// took. A missing tensor already failed in Take (NotFound naming it and the
// files searched); an unexpected one usually means a wrong layout or a wrong
// checkpoint, so by default it is an error too.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "xsd/models/weight_source.h"

namespace xsd {

struct UnexpectedWeightsPolicy {
  bool fail = true;  // true: InvalidArgument; false: one warning in the log
  // Tensors expected to stay behind (another component loads them, or they
  // carry nothing: the rotary inv_freq buffers of old checkpoints).
  std::vector<std::string> ignore_prefixes;
  std::vector<std::string> ignore_suffixes = {"rotary_emb.inv_freq"};
};

// `what` names the loaded thing for the message ("ckpt/: LLaMA decoder").
// The message lists the first few untaken names and their count.
absl::Status CheckUnexpectedWeights(const WeightSource& source, const UnexpectedWeightsPolicy& policy,
                                    const std::string& what);

}  // namespace xsd
