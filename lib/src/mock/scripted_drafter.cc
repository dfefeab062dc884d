#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/mock/mock_drafter.h"

namespace xsd {

ScriptedDrafter::ScriptedDrafter(std::unique_ptr<ScriptedLm> lm) : lm_(std::move(lm)) {
  info_.name = "scripted";
  info_.device = "cpu";
  info_.vocab_size = lm_->vocab_size();
  info_.eos_token = lm_->eos_token();
  info_.max_seq_len = lm_->cache().capacity();
}

absl::StatusOr<std::unique_ptr<ScriptedDrafter>> ScriptedDrafter::Create(const config::ScriptedLmOptions& options) {
  XSD_ASSIGN_OR_RETURN(auto lm, ScriptedLm::Create(options));
  return std::unique_ptr<ScriptedDrafter>(new ScriptedDrafter(std::move(lm)));
}

DrafterCapabilities ScriptedDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.own_prefill = true;
  caps.supports_trees = true;
  caps.samples = true;
  return caps;
}

absl::Status ScriptedDrafter::Begin(const DraftContext& context) {
  if (context.request == nullptr) return absl::InvalidArgumentError("scripted drafter: no request");
  const TimePoint start = Now();
  sampling_ = context.sampling;
  rng_.Seed(MixHash(context.seed, lm_->options().seed()));
  const auto& o = lm_->options();
  sequence_ = MockPromptTokens(*context.request, o.vocab_size(), o.default_prompt_tokens());
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
  SimulateCost(o.prefill_ms() + o.prefill_ms_per_token() * n);
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
    SimulateCost(o.step_ms() + o.step_ms_per_extra_token() * (n - 1));
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
  struct Node {
    TokenId token;
    int parent;  // index into nodes, -1 = root
    int depth;
    double score;  // cumulative log-probability
    uint64_t hash;
    std::vector<float> q;  // sampling distribution (stochastic trees)
  };
  std::vector<Node> nodes;
  std::vector<int> frontier = {-1};
  std::vector<float> logits, probs;
  const auto& o = lm_->options();
  for (int depth = 1; depth <= tree.depth && !frontier.empty(); ++depth) {
    std::vector<int> created;
    for (int f : frontier) {
      const uint64_t h = f < 0 ? root_hash : nodes[f].hash;
      const double parent_score = f < 0 ? 0.0 : nodes[f].score;
      logits = lm_->Logits(h);
      // Draft log-probabilities at temperature 1 rank the candidates.
      SamplingParams rank;
      rank.temperature = sampling_.greedy() ? 1.0f : sampling_.temperature;
      rank.top_p = sampling_.greedy() ? 1.0f : sampling_.top_p;
      LogitsToProbs(logits, rank, &probs);
      if (sampling_.greedy()) {
        std::vector<int> order(probs.size());
        std::iota(order.begin(), order.end(), 0);
        // Highest logit first; the shared tie-break (lower id) among equals.
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
        for (int c = 0; c < tree.top_k && c < static_cast<int>(order.size()); ++c) {
          const TokenId t = order[c];
          nodes.push_back({t, f, depth, parent_score + std::log(std::max(probs[t], 1e-30f)),
                           ScriptedLm::ExtendHash(h, t), {}});
          created.push_back(static_cast<int>(nodes.size()) - 1);
        }
      } else {
        // Independent samples from q: the shape must not depend on the values
        // drawn, or rejection sampling over siblings stops being exact.
        for (int c = 0; c < tree.top_k; ++c) {
          const TokenId t = SampleFrom(probs, &rng_);
          nodes.push_back({t, f, depth, parent_score, ScriptedLm::ExtendHash(h, t), probs});
          created.push_back(static_cast<int>(nodes.size()) - 1);
        }
      }
    }
    SimulateCost(o.step_ms() + o.step_ms_per_extra_token() * (static_cast<double>(frontier.size()) - 1));
    std::vector<int> next = created;
    if (sampling_.greedy()) {
      // EAGLE-2: keep the top_k candidates of this depth by cumulative score.
      std::stable_sort(next.begin(), next.end(), [&](int a, int b) { return nodes[a].score > nodes[b].score; });
    } else {
      // Value-independent: expand the first sample of each expanded node.
      next.clear();
      for (size_t i = 0; i < created.size(); i += tree.top_k) next.push_back(created[i]);
    }
    if (static_cast<int>(next.size()) > tree.top_k) next.resize(tree.top_k);
    frontier = next;
  }
  // Keep the best total_tokens nodes (greedy: by score; stochastic: creation
  // order), plus any ancestor a kept node needs.
  std::vector<int> order(nodes.size());
  std::iota(order.begin(), order.end(), 0);
  if (sampling_.greedy()) {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      if (nodes[a].score != nodes[b].score) return nodes[a].score > nodes[b].score;
      return nodes[a].depth < nodes[b].depth;
    });
  }
  std::vector<bool> keep(nodes.size(), false);
  int kept = 0;
  for (int idx : order) {
    if (kept >= tree.total_tokens) break;
    // Count the node and its missing ancestors.
    int need = 0;
    for (int n = idx; n >= 0 && !keep[n]; n = nodes[n].parent) ++need;
    if (kept + need > tree.total_tokens) continue;
    for (int n = idx; n >= 0 && !keep[n]; n = nodes[n].parent) keep[n] = true;
    kept += need;
  }
  // Emit in creation order, which is topological (parents first).
  Draft draft;
  std::vector<int32_t> remap(nodes.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!keep[i]) continue;
    const int32_t parent = nodes[i].parent < 0 ? -1 : remap[nodes[i].parent];
    remap[i] = draft.size();
    draft.Add(nodes[i].token, parent, sampling_.greedy() ? absl::Span<const float>() : absl::MakeConstSpan(nodes[i].q));
  }
  speculation_nodes_ = draft.size();
  speculation_is_tree_ = true;
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
