// Test helpers: references computed without the code under test (no
// scheduler, no KV cache, no acceptance policy), straight from the scripted
// model's pure distribution function.
#pragma once

#include <map>
#include <vector>

#include "xsd/core/sampling.h"
#include "xsd/mock/scripted_lm.h"

namespace xsd::testing {

// Greedy autoregressive output: argmax after prompt + output, until EOS or
// max_new_tokens or the cache capacity (a cache of M positions holds the
// prompt and all output tokens but the last).
inline std::vector<TokenId> ReferenceGreedy(const ScriptedLm& lm, const std::vector<TokenId>& prompt,
                                            int max_new_tokens) {
  std::vector<TokenId> out;
  uint64_t h = lm.HashOf(prompt);
  const int capacity = lm.options().max_seq_len;
  while (static_cast<int>(out.size()) < max_new_tokens) {
    const TokenId t = Argmax(lm.Logits(h));
    out.push_back(t);
    if (t == lm.eos_token()) break;
    if (static_cast<int>(prompt.size() + out.size()) > capacity) break;  // cache would overflow
    h = ScriptedLm::ExtendHash(h, t);
  }
  return out;
}

// Exact probability of every output sequence of exactly `length` tokens
// (no EOS) under the target's sampling distribution.
inline std::map<std::vector<TokenId>, double> ExactSequenceDistribution(const ScriptedLm& lm,
                                                                        const std::vector<TokenId>& prompt,
                                                                        int length, const SamplingParams& params) {
  std::map<std::vector<TokenId>, double> dist;
  std::vector<float> probs;
  struct Item {
    std::vector<TokenId> seq;
    uint64_t hash;
    double p;
  };
  std::vector<Item> frontier = {{{}, lm.HashOf(prompt), 1.0}};
  for (int step = 0; step < length; ++step) {
    std::vector<Item> next;
    for (const Item& it : frontier) {
      LogitsToProbs(lm.Logits(it.hash), params, &probs);
      for (int v = 0; v < lm.vocab_size(); ++v) {
        if (probs[v] <= 0) continue;
        Item child = it;
        child.seq.push_back(v);
        child.hash = ScriptedLm::ExtendHash(it.hash, v);
        child.p *= probs[v];
        next.push_back(std::move(child));
      }
    }
    frontier.swap(next);
  }
  for (const Item& it : frontier) dist[it.seq] += it.p;
  return dist;
}

inline double TotalVariation(const std::map<std::vector<TokenId>, int>& counts, int n,
                             const std::map<std::vector<TokenId>, double>& exact) {
  double tv = 0;
  for (const auto& [seq, p] : exact) {
    auto it = counts.find(seq);
    tv += std::abs((it == counts.end() ? 0.0 : it->second / double(n)) - p);
  }
  for (const auto& [seq, c] : counts) {
    if (exact.find(seq) == exact.end()) tv += c / double(n);
  }
  return tv / 2;
}

}  // namespace xsd::testing
