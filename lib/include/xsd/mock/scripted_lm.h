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
#include "xsd/pipeline.pb.h"

namespace xsd {

class KvCache;

class ScriptedLm {
 public:
  static absl::StatusOr<std::unique_ptr<ScriptedLm>> Create(const config::ScriptedLmOptions& options);
  ~ScriptedLm();

  const config::ScriptedLmOptions& options() const { return options_; }
  int vocab_size() const { return options_.vocab_size(); }
  TokenId eos_token() const { return options_.eos_token(); }

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
  explicit ScriptedLm(const config::ScriptedLmOptions& options);
  config::ScriptedLmOptions options_;
  std::unique_ptr<KvCache> cache_;
};

// The prompt a mock model uses for a request: request.prompt_tokens if set,
// else `count` ids derived from a hash of the question (identical for every
// mock model with that vocabulary, so target and drafter agree).
std::vector<TokenId> MockPromptTokens(const Request& request, int vocab_size, int count);

// Sleeps for `ms` milliseconds (simulated compute); no-op for ms <= 0.
void SimulateCost(double ms);

}  // namespace xsd
