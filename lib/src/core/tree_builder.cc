#include "core/tree_builder.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace xsd {

absl::StatusOr<Draft> BuildDynamicTree(const TreeSpec& spec, const TreeExpandFn& expand) {
  if (spec.top_k < 1 || spec.depth < 1 || spec.total_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler.tree: top_k, depth and total_tokens must be >= 1, got ",
                                                   spec.top_k, ", ", spec.depth, ", ", spec.total_tokens));
  }
  Draft candidates;  // every node created, in creation order
  std::vector<double> score;
  std::vector<int> depth;
  std::vector<int32_t> frontier = {-1};
  for (int d = 1; d <= spec.depth && !frontier.empty(); ++d) {
    auto children = expand(frontier, candidates);
    if (!children.ok()) return children.status();
    if (children->size() != frontier.size()) {
      return absl::InternalError(absl::StrCat("tree expansion returned ", children->size(), " child lists for ",
                                              frontier.size(), " frontier nodes"));
    }
    std::vector<int32_t> created;
    for (size_t f = 0; f < frontier.size(); ++f) {
      const double base = frontier[f] < 0 ? 0.0 : score[frontier[f]];
      const auto& kids = (*children)[f];
      for (size_t c = 0; c < kids.size() && static_cast<int>(c) < spec.top_k; ++c) {
        candidates.Add(kids[c].token, frontier[f]);
        score.push_back(base + kids[c].logprob);
        depth.push_back(d);
        created.push_back(candidates.size() - 1);
      }
    }
    std::stable_sort(created.begin(), created.end(), [&](int32_t a, int32_t b) { return score[a] > score[b]; });
    if (static_cast<int>(created.size()) > spec.top_k) created.resize(spec.top_k);
    frontier = created;
    if (d == spec.depth) break;
  }
  std::vector<int32_t> order(candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    if (score[a] != score[b]) return score[a] > score[b];
    return depth[a] < depth[b];
  });
  std::vector<bool> keep(candidates.size(), false);
  int kept = 0;
  for (int32_t idx : order) {
    if (kept >= spec.total_tokens) break;
    int need = 0;
    for (int32_t n = idx; n >= 0 && !keep[n]; n = candidates.parents[n]) ++need;
    if (kept + need > spec.total_tokens) continue;
    for (int32_t n = idx; n >= 0 && !keep[n]; n = candidates.parents[n]) keep[n] = true;
    kept += need;
  }
  Draft tree;
  std::vector<int32_t> remap(candidates.size(), -1);
  for (int32_t i = 0; i < candidates.size(); ++i) {
    if (!keep[i]) continue;
    remap[i] = tree.size();
    tree.Add(candidates.tokens[i], candidates.parents[i] < 0 ? -1 : remap[candidates.parents[i]]);
  }
  return tree;
}

}  // namespace xsd
