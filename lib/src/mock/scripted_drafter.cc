#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/kv/kv_cache.h"
#include "core/tree_builder.h"
#include "xsd/mock/mock_drafter.h"

namespace xsd {

ScriptedDrafter::ScriptedDrafter(std::unique_ptr<ScriptedLm> lm) : lm_(std::move(lm)) {
  info_.name = "scripted";
  info_.device = "cpu";
  info_.vocab_size = lm_->vocab_size();
  info_.eos_token = lm_->eos_token();
  info_.max_seq_len = lm_->cache().capacity();
}

absl::StatusOr<std::unique_ptr<ScriptedDrafter>> ScriptedDrafter::Create(const ScriptedLmOptions& options) {
  XSD_ASSIGN_OR_RETURN(auto lm, ScriptedLm::Create(options));
  return std::unique_ptr<ScriptedDrafter>(new ScriptedDrafter(std::move(lm)));
}

DrafterCapabilities ScriptedDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.own_prefill = true;
  caps.supports_trees = true;
  caps.samples = true;
  caps.own_vocabulary = true;
  return caps;
}

absl::Status ScriptedDrafter::Begin(const DraftContext& context) {
  if (context.request == nullptr) return absl::InvalidArgumentError("scripted drafter: no request");
  const TimePoint start = Now();
  sampling_ = context.sampling;
  rng_.Seed(MixHash(context.seed, lm_->options().seed));
  const auto& o = lm_->options();
  sequence_ = MockPromptTokens(*context.request, o.vocab_size, o.default_prompt_tokens);
  committed_size_ = static_cast<int>(sequence_.size());
  speculation_nodes_ = 0;
  speculation_is_tree_ = false;
  lm_->cache().Clear();
  // The prompt minus its last token goes in as the prefill; CatchUp feeds the
  // rest when the first draft is asked for.
  const int n = static_cast<int>(sequence_.size());
  std::vector<int32_t> parents(n);
  for (int i = 0; i < n; ++i) parents[i] = i - 1;
  XSD_RETURN_IF_ERROR(lm_->WriteRows(sequence_, parents).status());
  XSD_RETURN_IF_ERROR(lm_->cache().Advance(n));
  SimulateCost(o.prefill_ms + o.prefill_ms_per_token * n);
  breakdown_ = PrefillBreakdown();
  breakdown_.prompt_tokens = n;
  breakdown_.llm_ms = MillisBetween(start, Now());
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ScriptedDrafter::CatchUp() {
  KvCache& cache = lm_->cache();
  const int cached = cache.length();
  const int total = static_cast<int>(sequence_.size());
  if (cached < total) {
    const int n = total - cached;
    std::vector<int32_t> parents(n);
    for (int i = 0; i < n; ++i) parents[i] = i - 1;
    XSD_RETURN_IF_ERROR(lm_->WriteRows(absl::MakeConstSpan(sequence_).subspan(cached), parents).status());
    XSD_RETURN_IF_ERROR(cache.Advance(n));
    const auto& o = lm_->options();
    SimulateCost(o.step_ms + o.step_ms_per_extra_token * (n - 1));
  }
  return lm_->CommittedHash();
}

absl::StatusOr<Draft> ScriptedDrafter::Propose(const DraftSpec& spec) {
  if (spec.tree.has_value()) {
    if (speculation_nodes_ != 0) {
      return absl::FailedPreconditionError("scripted drafter: a tree replaces the speculation; Observe first");
    }
    return ProposeTree(*spec.tree);
  }
  if (speculation_is_tree_) return absl::FailedPreconditionError("scripted drafter: cannot extend a tree as a chain");
  Draft draft;
  std::vector<float> logits, probs;
  for (int j = 0; j < spec.max_tokens; ++j) {
    if (static_cast<int>(sequence_.size()) + 1 >= lm_->cache().capacity()) break;  // drafter cache full
    XSD_ASSIGN_OR_RETURN(uint64_t h, CatchUp());
    logits = lm_->Logits(h);
    TokenId token;
    if (sampling_.greedy()) {
      token = Argmax(logits);
    } else {
      LogitsToProbs(logits, sampling_, &probs);
      token = SampleFrom(probs, &rng_);
    }
    draft.Add(token, draft.size() - 1, sampling_.greedy() ? absl::Span<const float>() : absl::MakeConstSpan(probs));
    sequence_.push_back(token);
    ++speculation_nodes_;
  }
  return draft;
}

absl::StatusOr<Draft> ScriptedDrafter::ProposeTree(const TreeSpec& tree) {
  if (tree.top_k < 1 || tree.depth < 1 || tree.total_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler.tree: top_k, depth and total_tokens must be >= 1, got ",
                                                   tree.top_k, ", ", tree.depth, ", ", tree.total_tokens));
  }
  if (static_cast<int>(sequence_.size()) > lm_->cache().capacity()) return Draft();  // drafter cache full
  XSD_ASSIGN_OR_RETURN(uint64_t root_hash, CatchUp());
  absl::StatusOr<Draft> draft = sampling_.greedy() ? GreedyTree(tree, root_hash) : SampledTree(tree, root_hash);
  if (draft.ok()) {
    speculation_nodes_ = draft->size();
    speculation_is_tree_ = true;
  }
  return draft;
}

// EAGLE-2 dynamic tree over the scripted distributions (core/tree_builder.h).
absl::StatusOr<Draft> ScriptedDrafter::GreedyTree(const TreeSpec& tree, uint64_t root_hash) {
  std::vector<uint64_t> hashes;  // context hash of every candidate, by index
  const auto& o = lm_->options();
  std::vector<float> probs;
  SamplingParams rank;
  rank.temperature = 1.0f;  // draft log-probabilities rank the candidates
  auto expand = [&](const std::vector<int32_t>& frontier,
                    const Draft& candidates) -> absl::StatusOr<std::vector<std::vector<TreeCandidate>>> {
    for (int32_t i = static_cast<int32_t>(hashes.size()); i < candidates.size(); ++i) {
      const int32_t parent = candidates.parents[i];
      hashes.push_back(ScriptedLm::ExtendHash(parent < 0 ? root_hash : hashes[parent], candidates.tokens[i]));
    }
    std::vector<std::vector<TreeCandidate>> children(frontier.size());
    for (size_t f = 0; f < frontier.size(); ++f) {
      const std::vector<float> logits = lm_->Logits(frontier[f] < 0 ? root_hash : hashes[frontier[f]]);
      LogitsToProbs(logits, rank, &probs);
      std::vector<int> order(logits.size());
      std::iota(order.begin(), order.end(), 0);
      // Highest logit first; the shared tie-break (lower id) among equals.
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
      for (int c = 0; c < tree.top_k && c < static_cast<int>(order.size()); ++c) {
        children[f].push_back({order[c], std::log(std::max(static_cast<double>(probs[order[c]]), 1e-300))});
      }
    }
    SimulateCost(o.step_ms + o.step_ms_per_extra_token * (static_cast<double>(frontier.size()) - 1));
    return children;
  };
  return BuildDynamicTree(tree, expand);
}

// Stochastic trees: every expanded node gets top_k children sampled
// independently from q, and which nodes are expanded never depends on the
// values drawn (the first sample of each expanded node, BFS, up to top_k per
// depth), or rejection sampling over siblings would stop being exact.
absl::StatusOr<Draft> ScriptedDrafter::SampledTree(const TreeSpec& tree, uint64_t root_hash) {
  const auto& o = lm_->options();
  Draft draft;
  std::vector<uint64_t> hashes;
  std::vector<float> probs;
  std::vector<int32_t> frontier = {-1};
  for (int depth = 1; depth <= tree.depth && !frontier.empty(); ++depth) {
    std::vector<int32_t> next;
    for (int32_t f : frontier) {
      const uint64_t h = f < 0 ? root_hash : hashes[f];
      LogitsToProbs(lm_->Logits(h), sampling_, &probs);
      for (int c = 0; c < tree.top_k && draft.size() < tree.total_tokens; ++c) {
        const TokenId t = SampleFrom(probs, &rng_);
        draft.Add(t, f, probs);
        hashes.push_back(ScriptedLm::ExtendHash(h, t));
        if (c == 0) next.push_back(draft.size() - 1);
      }
    }
    SimulateCost(o.step_ms + o.step_ms_per_extra_token * (static_cast<double>(frontier.size()) - 1));
    if (static_cast<int>(next.size()) > tree.top_k) next.resize(tree.top_k);
    frontier = next;
  }
  return draft;
}

absl::Status ScriptedDrafter::Observe(const RoundOutcome& outcome) {
  sequence_.resize(committed_size_);
  sequence_.insert(sequence_.end(), outcome.committed.begin(), outcome.committed.end());
  committed_size_ = static_cast<int>(sequence_.size());
  speculation_nodes_ = 0;
  speculation_is_tree_ = false;
  // Roll the cache back to the longest prefix it shares with the new sequence.
  const std::vector<TokenId> cached = lm_->CommittedTokens();
  int common = 0;
  while (common < static_cast<int>(cached.size()) && common < committed_size_ && cached[common] == sequence_[common]) {
    ++common;
  }
  return lm_->cache().Truncate(common);
}

}  // namespace xsd
