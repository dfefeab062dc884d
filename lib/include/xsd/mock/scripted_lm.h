// ScriptedLm: a deterministic fake language model over a real KV cache.
//
// The next-token logits are a pure function of (seed, whole context): the
// context is folded into a 64-bit hash, token by token, and logit v is drawn
// from MixHash(hash, v). The cache is a real KvCache (int64, one layer, one
// head, head_dim 1): keys hold the token ids, values hold the context hash up
// to and including that row. Reading the context back from the cache is what
// makes a wrong rollback or compaction change the model's output, exactly as
// it would for a real model.
//
// Part of the public API: users unit-test their own acceptance and scheduling
// logic against it (tests/mock/ show how).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "xsd/core/types.h"

namespace xsd {

class KvCache;

// What a ScriptedLm is; the pipeline config's ScriptedLmOptions
// (proto/xsd/pipeline.proto) documents each field and becomes this in the
// config layer.
struct ScriptedLmOptions {
  int vocab_size = 64;
  uint64_t seed = 1;
  float sharpness = 3.0f;  // logit scale: larger = peakier distributions
  int logit_levels = 0;    // quantise logits to this many levels (0 = off); small values plant argmax ties
  int eos_token = -1;      // -1: no EOS
  int max_seq_len = 4096;
  // Simulated costs (sleep), to exercise the schedulers' timing and overlap.
  double prefill_ms = 0;
  double prefill_ms_per_token = 0;
  double step_ms = 0;                  // one forward of 1 token
  double step_ms_per_extra_token = 0;  // verify of k tokens: step + (k-1) * this
  int default_prompt_tokens = 16;      // prompt length when a request carries no token ids
  // logits = (1 - noise) * own + noise * other(noise_seed): a drafter with the
  // target's seed and noise in (0, 1) agrees with it often, not always.
  float noise = 0;
  uint64_t noise_seed = 99;
};

class ScriptedLm {
 public:
  static absl::StatusOr<std::unique_ptr<ScriptedLm>> Create(const ScriptedLmOptions& options);
  ~ScriptedLm();

  const ScriptedLmOptions& options() const { return options_; }
  int vocab_size() const { return options_.vocab_size; }
  TokenId eos_token() const { return options_.eos_token; }

  // ---- the pure distribution function
  uint64_t EmptyContextHash() const;
  static uint64_t ExtendHash(uint64_t context_hash, TokenId token);
  uint64_t HashOf(absl::Span<const TokenId> tokens) const;  // from the empty context
  void Logits(uint64_t context_hash, float* out) const;       // vocab_size floats
  std::vector<float> Logits(uint64_t context_hash) const;

  // ---- cache-backed forward
  // Writes tentative rows for `tokens` at positions cache.length() + i;
  // parents[i] is the row (index into `tokens`) the token follows, or -1 for
  // "follows the committed prefix". Returns each row's context hash, read
  // from the cache for the committed prefix. Does not move the length cursor.
  absl::StatusOr<std::vector<uint64_t>> WriteRows(absl::Span<const TokenId> tokens,
                                                  absl::Span<const int32_t> parents);
  // Context hash of the committed prefix, read from the cache.
  uint64_t CommittedHash() const;
  // Token ids of the committed rows, read from the cache.
  std::vector<TokenId> CommittedTokens() const;

  KvCache& cache() { return *cache_; }
  const KvCache& cache() const { return *cache_; }

 private:
  explicit ScriptedLm(const ScriptedLmOptions& options);
  ScriptedLmOptions options_;
  std::unique_ptr<KvCache> cache_;
};

// The prompt a mock model uses for a request: request.prompt_tokens if set,
// else `count` ids derived from a hash of the question (identical for every
// mock model with that vocabulary, so target and drafter agree).
std::vector<TokenId> MockPromptTokens(const Request& request, int vocab_size, int count);

// Sleeps for `ms` milliseconds (simulated compute); no-op for ms <= 0.
void SimulateCost(double ms);

}  // namespace xsd
