#include "xsd/mock/scripted_lm.h"

#include <chrono>
#include <cmath>
#include <thread>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/rng.h"
#include "base/torch_status.h"
#include "xsd/kv/kv_cache.h"

namespace xsd {
namespace {

constexpr uint64_t kEmptyContextSalt = 0x5C21B7EDull;

int64_t* KeyData(const KvCache& c) { return c.all_keys().data_ptr<int64_t>(); }
int64_t* ValueData(const KvCache& c) { return c.all_values().data_ptr<int64_t>(); }

// Logit in [-1, 1) from (model seed, context, token).
float UnitLogit(uint64_t seed, uint64_t context_hash, TokenId v) {
  const uint64_t h = MixHash(MixHash(seed, context_hash), static_cast<uint64_t>(v));
  return static_cast<float>(static_cast<double>(h >> 11) * (2.0 / 9007199254740992.0) - 1.0);
}

}  // namespace

ScriptedLm::ScriptedLm(const ScriptedLmOptions& options) : options_(options) {}
ScriptedLm::~ScriptedLm() = default;

absl::StatusOr<std::unique_ptr<ScriptedLm>> ScriptedLm::Create(const ScriptedLmOptions& options) {
  if (options.vocab_size < 2) {
    return absl::InvalidArgumentError(absl::StrCat("scripted.vocab_size: must be >= 2, got ", options.vocab_size));
  }
  if (options.max_seq_len < 2) {
    return absl::InvalidArgumentError(absl::StrCat("scripted.max_seq_len: must be >= 2, got ", options.max_seq_len));
  }
  if (options.eos_token < -1 || options.eos_token >= options.vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat("scripted.eos_token: must be -1 or in [0, ", options.vocab_size,
                                                   "), got ", options.eos_token));
  }
  if (options.noise < 0 || options.noise > 1) {
    return absl::InvalidArgumentError(absl::StrCat("scripted.noise: must be in [0, 1], got ", options.noise));
  }
  std::unique_ptr<ScriptedLm> lm(new ScriptedLm(options));
  KvCacheSpec spec;
  spec.num_layers = 1;
  spec.num_kv_heads = 1;
  spec.head_dim = 1;
  spec.max_len = options.max_seq_len;
  spec.dtype = c10::ScalarType::Long;
  auto cache = KvCache::Create(spec);
  if (!cache.ok()) return cache.status();
  lm->cache_ = std::move(cache).value();
  return lm;
}

uint64_t ScriptedLm::EmptyContextHash() const { return MixHash(kEmptyContextSalt, 0); }

uint64_t ScriptedLm::ExtendHash(uint64_t context_hash, TokenId token) {
  return MixHash(context_hash, static_cast<uint64_t>(token) + 1);
}

uint64_t ScriptedLm::HashOf(absl::Span<const TokenId> tokens) const {
  uint64_t h = EmptyContextHash();
  for (TokenId t : tokens) h = ExtendHash(h, t);
  return h;
}

void ScriptedLm::Logits(uint64_t context_hash, float* out) const {
  const int vocab = options_.vocab_size;
  const float noise = options_.noise;
  const int levels = options_.logit_levels;
  for (int v = 0; v < vocab; ++v) {
    float u = UnitLogit(options_.seed, context_hash, v);
    if (noise > 0) u = (1 - noise) * u + noise * UnitLogit(options_.noise_seed, context_hash, v);
    if (levels > 0) u = std::floor((u + 1.0f) * 0.5f * levels) / levels;  // few distinct values: planted ties
    out[v] = options_.sharpness * u;
  }
}

std::vector<float> ScriptedLm::Logits(uint64_t context_hash) const {
  std::vector<float> out(options_.vocab_size);
  Logits(context_hash, out.data());
  return out;
}

uint64_t ScriptedLm::CommittedHash() const {
  const int n = cache_->length();
  return n == 0 ? EmptyContextHash() : static_cast<uint64_t>(ValueData(*cache_)[n - 1]);
}

std::vector<TokenId> ScriptedLm::CommittedTokens() const {
  const int64_t* keys = KeyData(*cache_);
  return std::vector<TokenId>(keys, keys + cache_->length());
}

absl::StatusOr<std::vector<uint64_t>> ScriptedLm::WriteRows(absl::Span<const TokenId> tokens,
                                                            absl::Span<const int32_t> parents) {
  const int base = cache_->length();
  const int n = static_cast<int>(tokens.size());
  if (parents.size() != tokens.size()) {
    return absl::InvalidArgumentError("scripted LM: tokens and parents differ in length");
  }
  if (base + n > cache_->capacity()) {
    return absl::ResourceExhaustedError(absl::StrCat("scripted LM: ", base, " cached + ", n,
                                                     " new rows exceed max_seq_len ", cache_->capacity()));
  }
  const uint64_t committed = CommittedHash();
  int64_t* keys = KeyData(*cache_);
  int64_t* values = ValueData(*cache_);
  std::vector<uint64_t> hashes(n);
  for (int i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= options_.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat("scripted LM: row ", i, " token ", tokens[i],
                                                     " outside the vocabulary"));
    }
    if (parents[i] >= i || parents[i] < -1) {
      return absl::InvalidArgumentError(absl::StrCat("scripted LM: row ", i, " has parent ", parents[i]));
    }
    // The parent's context is read back from the cache row it was written to.
    const uint64_t parent_hash = parents[i] < 0 ? committed : static_cast<uint64_t>(values[base + parents[i]]);
    hashes[i] = ExtendHash(parent_hash, tokens[i]);
    keys[base + i] = tokens[i];
    values[base + i] = static_cast<int64_t>(hashes[i]);
  }
  return hashes;
}

std::vector<TokenId> MockPromptTokens(const Request& request, int vocab_size, int count) {
  if (!request.prompt_tokens.empty()) return request.prompt_tokens;
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (char c : request.question) h = MixHash(h, static_cast<unsigned char>(c));
  for (char c : request.id) h = MixHash(h, static_cast<unsigned char>(c));
  Rng rng(h);
  std::vector<TokenId> tokens(count);
  for (TokenId& t : tokens) t = static_cast<TokenId>(rng.Below(static_cast<uint64_t>(vocab_size)));
  return tokens;
}

void SimulateCost(double ms) {
  if (ms <= 0) return;
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

}  // namespace xsd
