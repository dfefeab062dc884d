#include "xsd/drafters/eagle_drafter.h"

#include <algorithm>
#include <functional>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/rng.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/core/sampling.h"
#include "core/tree_builder.h"
#include "xsd/models/llama_model.h"

namespace xsd {

namespace {

// Head outputs [F, d] of a tree's frontier (indices into the candidates; -1:
// the root), undefined when they do not fit the head's cache; and the
// target's LM head over such outputs ([F, vocab] float32 on its device).
using FrontierStatesFn =
    std::function<absl::StatusOr<at::Tensor>(const std::vector<int32_t>& frontier, const Draft& candidates)>;
using LogitsFn = std::function<at::Tensor(const at::Tensor& states)>;

// Sampled trees, as the scripted drafter's: every expanded node gets top_k
// children drawn independently from its q, and which nodes are expanded
// never depends on the values drawn (the first child of each expanded node,
// breadth first, at most top_k per depth), so rejection sampling over the
// siblings stays exact (acceptance.h).
absl::StatusOr<Draft> SampledTree(const TreeSpec& tree, const SamplingParams& sampling, Rng* rng,
                                  const FrontierStatesFn& frontier_states, const LogitsFn& logits_of) {
  Draft draft;
  std::vector<int32_t> frontier = {-1};
  std::vector<float> row, probs;
  for (int depth = 1; depth <= tree.depth && !frontier.empty() && draft.size() < tree.total_tokens; ++depth) {
    XSD_ASSIGN_OR_RETURN(const at::Tensor states, frontier_states(frontier, draft));
    if (!states.defined()) break;  // head cache full: a smaller tree
    XSD_ASSIGN_OR_RETURN(const at::Tensor logits, TorchCall("eagle tree", [&]() -> absl::StatusOr<at::Tensor> {
                           return logits_of(states).cpu().contiguous();
                         }));
    const int64_t vocab = logits.size(1);
    std::vector<int32_t> next;
    for (size_t i = 0; i < frontier.size(); ++i) {
      const float* data = logits.data_ptr<float>() + static_cast<int64_t>(i) * vocab;
      row.assign(data, data + vocab);
      LogitsToProbs(row, sampling, &probs);
      for (int c = 0; c < tree.top_k && draft.size() < tree.total_tokens; ++c) {
        draft.Add(SampleFrom(probs, rng), frontier[i], probs);
        if (c == 0) next.push_back(draft.size() - 1);
      }
    }
    if (static_cast<int>(next.size()) > tree.top_k) next.resize(tree.top_k);
    frontier = std::move(next);
  }
  return draft;
}

}  // namespace

struct EagleDrafter::State {
  int committed = 0;   // head cache rows that belong to committed target positions
  at::Tensor last_out; // [1, d]: head output of the last committed row
  SamplingParams sampling;
  Rng rng;
};

EagleDrafter::EagleDrafter(std::unique_ptr<EagleHead> head, const Verifier* target, KvCachePool::Lease cache)
    : head_(std::move(head)), target_(target->features()), cache_(std::move(cache)), state_(new State()) {
  info_ = target->info();
  info_.name = "eagle";
  info_.max_seq_len = cache_->capacity();
}

EagleDrafter::~EagleDrafter() = default;

absl::StatusOr<std::unique_ptr<EagleDrafter>> EagleDrafter::Create(std::unique_ptr<EagleHead> head,
                                                                   const Verifier* target, int max_seq_len) {
  if (head == nullptr || target == nullptr) return absl::InvalidArgumentError("eagle: missing head or target");
  const TargetFeatures* features = target->features();
  if (features == nullptr || features->lm_head() == nullptr || features->embedding_table() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("eagle: target '", target->info().name,
                                                      "' exposes no LM head / embedding table"));
  }
  if (features->lm_head()->size(1) != head->config().hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat("eagle: head width ", head->config().hidden_size,
                                                   " differs from the target's ", features->lm_head()->size(1)));
  }
  const KvCacheSpec spec = head->CacheSpec(max_seq_len);
  XSD_ASSIGN_OR_RETURN(KvCachePool::Lease cache, KvCachePool::ForDevice(spec.device).Acquire(spec));
  return std::unique_ptr<EagleDrafter>(new EagleDrafter(std::move(head), target, std::move(cache)));
}

DrafterCapabilities EagleDrafter::capabilities() const {
  DrafterCapabilities caps;
  caps.supports_trees = true;
  caps.samples = true;
  caps.needs_target_features = true;
  return caps;
}

absl::Status EagleDrafter::Begin(const DraftContext& context) {
  cache_->Clear();
  state_->committed = 0;
  state_->last_out = at::Tensor();
  state_->sampling = context.sampling;
  state_->rng.Seed(MixHash(context.seed, 0xEA61Eull));
  return absl::OkStatus();
}

absl::Status EagleDrafter::Observe(const RoundOutcome& outcome) {
  const at::Tensor* hidden = outcome.target.hidden;
  const at::Tensor* embeds = outcome.target.input_embeds;
  if (hidden == nullptr || embeds == nullptr || !hidden->defined() || !embeds->defined()) {
    return absl::FailedPreconditionError("eagle: the target gave no features / input embeddings for the committed rows");
  }
  if (outcome.committed.empty()) return absl::InvalidArgumentError("eagle: a round committed no token");
  XSD_RETURN_IF_ERROR(cache_->Truncate(state_->committed));
  return TorchCall("eagle observe", [&]() -> absl::Status {
    const int64_t rows = hidden->size(0);
    // Row i pairs the feature at position p_i with the embedding of the token
    // at p_i + 1: the next committed row's input, or the new pending token.
    const at::Tensor& table = *target_->embedding_table();
    const at::Tensor pending = at::tensor({static_cast<int64_t>(outcome.committed.back())},
                                          at::TensorOptions().dtype(at::kLong).device(table.device()));
    const at::Tensor next = table.index_select(0, pending).to(embeds->device(), embeds->scalar_type());
    const at::Tensor pair_embeds = rows > 1 ? at::cat({embeds->narrow(0, 1, rows - 1), next}, 0) : next;
    XSD_ASSIGN_OR_RETURN(at::Tensor positions, PositionRange(state_->committed, rows, hidden->device()));
    XSD_ASSIGN_OR_RETURN(at::Tensor out, head_->Forward(pair_embeds, *hidden, positions, at::Tensor(), cache_.get()));
    XSD_RETURN_IF_ERROR(cache_->Advance(static_cast<int>(rows)));
    state_->committed += static_cast<int>(rows);
    state_->last_out = out.narrow(0, rows - 1, 1);
    return absl::OkStatus();
  });
}

absl::StatusOr<Draft> EagleDrafter::Propose(const DraftSpec& spec) {
  if (!state_->last_out.defined()) return absl::FailedPreconditionError("eagle: Propose before the first Observe");
  if (spec.tree.has_value()) return ProposeTree(*spec.tree);
  return ProposeChain(spec.max_tokens);
}

absl::StatusOr<Draft> EagleDrafter::ProposeChain(int n) {
  return TorchCall("eagle chain", [&]() -> absl::StatusOr<Draft> {
    Draft draft;
    const at::Tensor& lm_head = *target_->lm_head();
    const at::Tensor& table = *target_->embedding_table();
    at::Tensor h = state_->last_out;
    std::vector<float> logits, probs;
    for (int j = 0; j < n; ++j) {
      if (state_->committed + j + 1 > cache_->capacity()) break;  // head cache full: draft less
      const at::Tensor row = at::linear(h.to(lm_head.device(), lm_head.scalar_type()), lm_head).to(at::kFloat).cpu();
      logits.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
      TokenId token;
      if (state_->sampling.greedy()) {
        token = Argmax(logits);
        draft.Add(token, draft.size() - 1);
      } else {
        LogitsToProbs(logits, state_->sampling, &probs);
        token = SampleFrom(probs, &state_->rng);
        draft.Add(token, draft.size() - 1, probs);
      }
      if (j + 1 == n) break;
      const at::Tensor id = at::tensor({static_cast<int64_t>(token)}, at::TensorOptions().dtype(at::kLong).device(table.device()));
      XSD_ASSIGN_OR_RETURN(at::Tensor pos, PositionRange(state_->committed + j, 1, h.device()));
      XSD_ASSIGN_OR_RETURN(h, head_->Forward(table.index_select(0, id), h, pos, at::Tensor(), cache_.get()));
      XSD_RETURN_IF_ERROR(cache_->Advance(1));  // speculative: Observe truncates it away
    }
    return draft;
  });
}

absl::StatusOr<Draft> EagleDrafter::ProposeTree(const TreeSpec& tree) {
  const int base = state_->committed;
  const at::Tensor& lm_head = *target_->lm_head();
  const at::Tensor& table = *target_->embedding_table();
  std::vector<at::Tensor> outs;  // head output of each candidate, once computed
  // Every frontier node and its ancestors are written in one forward after
  // the committed rows.
  const FrontierStatesFn frontier_states = [&](const std::vector<int32_t>& frontier,
                                               const Draft& cands) -> absl::StatusOr<at::Tensor> {
    return TorchCall("eagle tree", [&]() -> absl::StatusOr<at::Tensor> {
      if (frontier.size() == 1 && frontier[0] < 0) return state_->last_out;
      // Rows: every frontier node and its ancestors (parents precede children).
      std::vector<bool> need(cands.size(), false);
      for (int32_t f : frontier) {
        for (int32_t n = f; n >= 0 && !need[n]; n = cands.parents[n]) need[n] = true;
      }
      std::vector<int32_t> rows;
      std::vector<int32_t> row_of(cands.size(), -1);
      for (int32_t i = 0; i < cands.size(); ++i) {
        if (need[i]) {
          row_of[i] = static_cast<int32_t>(rows.size());
          rows.push_back(i);
        }
      }
      const int64_t t = static_cast<int64_t>(rows.size());
      if (base + t > cache_->capacity()) return at::Tensor();
      outs.resize(cands.size());
      std::vector<int64_t> ids, positions;
      std::vector<at::Tensor> features;
      at::Tensor mask = at::zeros({t, t}, at::TensorOptions().dtype(at::kBool));
      for (int64_t r = 0; r < t; ++r) {
        const int32_t n = rows[r];
        ids.push_back(cands.tokens[n]);
        positions.push_back(base + cands.Depth(n) - 1);
        const int32_t parent = cands.parents[n];
        features.push_back(parent < 0 ? state_->last_out : outs[parent]);
        for (int32_t a = n; a >= 0; a = cands.parents[a]) mask[r][row_of[a]] = true;
      }
      const at::Tensor id = at::tensor(ids, at::TensorOptions().dtype(at::kLong)).to(table.device());
      const at::Tensor pos = at::tensor(positions, at::TensorOptions().dtype(at::kLong));
      XSD_RETURN_IF_ERROR(cache_->Truncate(base));
      XSD_ASSIGN_OR_RETURN(at::Tensor out, head_->Forward(table.index_select(0, id), at::cat(features, 0), pos,
                                                          mask.to(table.device()), cache_.get()));
      for (int64_t r = 0; r < t; ++r) outs[rows[r]] = out.narrow(0, r, 1);
      std::vector<at::Tensor> frontier_outs;
      for (int32_t f : frontier) frontier_outs.push_back(outs[f]);
      return at::cat(frontier_outs, 0);
    });
  };
  const LogitsFn logits_of = [&](const at::Tensor& states) {
    return at::linear(states.to(lm_head.device(), lm_head.scalar_type()), lm_head).to(at::kFloat);
  };
  if (!state_->sampling.greedy()) return SampledTree(tree, state_->sampling, &state_->rng, frontier_states, logits_of);
  auto expand = [&](const std::vector<int32_t>& frontier,
                    const Draft& cands) -> absl::StatusOr<std::vector<std::vector<TreeCandidate>>> {
    XSD_ASSIGN_OR_RETURN(const at::Tensor states, frontier_states(frontier, cands));
    std::vector<std::vector<TreeCandidate>> out(frontier.size());
    if (!states.defined()) return out;  // head cache full: a smaller tree
    return TorchCall("eagle tree", [&]() -> absl::StatusOr<std::vector<std::vector<TreeCandidate>>> {
      const at::Tensor logp = at::log_softmax(logits_of(states), -1);
      const auto top = at::topk(logp, std::min<int64_t>(tree.top_k, logp.size(-1)), -1);
      const at::Tensor values = std::get<0>(top).cpu(), indices = std::get<1>(top).cpu();
      for (int64_t r = 0; r < values.size(0); ++r) {
        for (int64_t c = 0; c < values.size(1); ++c) {
          out[r].push_back({static_cast<TokenId>(indices[r][c].item<int64_t>()), values[r][c].item<double>()});
        }
      }
      return out;
    });
  };
  return BuildDynamicTree(tree, expand);
}

}  // namespace xsd
