// A synthetic paired feature set with a known answer: drafter states follow
// a noisy rotation from row to row (so the next state is predictable), target
// states are a fixed linear map of them plus noise, and the target's tokens
// are the argmax of a random LM head over the target states, so an adapter
// that learns the map predicts the tokens.
#pragma once

#include <string>

#include <ATen/ATen.h>

#include "support/scratch_dir.h"
#include "xsd/training/feature_set.h"
#include "xsd_catch.h"

namespace xsd::testing {

struct SyntheticFeatures {
  testing::ScratchDir dir{"training"};
  at::Tensor lm_head;  // [vocab, d]
};

inline void WriteSyntheticFeatures(const std::string& dir, int samples, int d, int vocab, uint64_t seed,
                                   at::Tensor* lm_head, const std::string& pairing = "free") {
  at::manual_seed(seed);
  const at::Tensor map = at::eye(d) + 0.3 * at::randn({d, d});
  const at::Tensor rotation = std::get<0>(at::linalg_qr(at::randn({d, d})));
  *lm_head = at::randn({vocab, d});
  FeatureSetInfo info;
  info.pairing = pairing;
  info.drafter_hidden_size = d;
  info.target_hidden_size = d;
  info.settings = {{"source", "synthetic"}, {"seed", seed}};
  auto writer = FeatureShardWriter::Create(dir, info, /*resume=*/false, /*rows_per_shard=*/40);
  REQUIRE(writer.ok());
  for (int s = 0; s < samples; ++s) {
    const int n = 3 + s % 5;
    FeatureRows rows;
    rows.sample_id = "sample_" + std::to_string(s);
    // An autoregressive sequence, so next-state heads have something to predict.
    std::vector<at::Tensor> steps = {at::randn({1, d})};
    for (int t = 1; t < n; ++t) steps.push_back(at::matmul(steps.back(), rotation) + 0.1 * at::randn({1, d}));
    rows.drafter_hidden = at::cat(steps);
    rows.target_hidden = at::matmul(rows.drafter_hidden, map) + 0.01 * at::randn({n, d});
    const at::Tensor tokens = at::matmul(rows.target_hidden, lm_head->t()).argmax(-1);
    for (int i = 0; i < n; ++i) rows.target_tokens.push_back(static_cast<TokenId>(tokens[i].item<int64_t>()));
    REQUIRE((*writer)->Add(rows).ok());
  }
  REQUIRE((*writer)->Finish().ok());
}

}  // namespace xsd::testing
