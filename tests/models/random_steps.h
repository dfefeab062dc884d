// Random decoder steps for the step-runner cases (CPU and CUDA): `rows` new
// tokens after `past` committed ones, as a chain or (half the time, from
// three rows) a random tree, and a random root-to-node path to keep.
#pragma once

#include <cstdint>
#include <vector>

#include "xsd/base/rng.h"
#include "xsd/models/llama_step_runner.h"

namespace xsd::testing {

struct RandomStep {
  LlamaStepInput input;
  std::vector<int> parent;  // parent[i] < i; -1 for the root
  bool tree = false;
};

inline RandomStep MakeRandomStep(Rng& rng, int past, int rows, int vocab) {
  RandomStep s;
  s.tree = rows > 2 && rng.Below(2) == 0;
  s.parent.assign(rows, -1);
  std::vector<int> depth(rows, 0);
  for (int i = 0; i < rows; ++i) {
    s.input.tokens.push_back(static_cast<TokenId>(rng.Below(vocab)));
    if (i > 0) {
      s.parent[i] = s.tree ? static_cast<int>(rng.Below(i)) : i - 1;
      depth[i] = depth[s.parent[i]] + 1;
    }
    s.input.positions.push_back(past + depth[i]);
  }
  if (s.tree) {
    s.input.tree_mask.assign(static_cast<size_t>(rows) * rows, 0);
    for (int i = 0; i < rows; ++i) {
      for (int a = i; a >= 0; a = s.parent[a]) s.input.tree_mask[static_cast<size_t>(i) * rows + a] = 1;
    }
  }
  return s;
}

// Root to a random node of `step`: the rows a verifier would keep.
inline std::vector<int32_t> RandomPath(Rng& rng, const RandomStep& step) {
  std::vector<int32_t> path;
  for (int a = static_cast<int>(rng.Below(step.parent.size())); a >= 0; a = step.parent[a]) path.insert(path.begin(), a);
  return path;
}

}  // namespace xsd::testing
