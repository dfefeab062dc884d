#include "core/tree_builder.h"

#include <map>

#include "xsd_catch.h"

namespace xsd {
namespace {

// Children per node, keyed by the path of tokens from the root.
using Table = std::map<std::vector<TokenId>, std::vector<TreeCandidate>>;

std::vector<TokenId> PathTokens(const Draft& d, int32_t node) {
  std::vector<TokenId> path;
  for (int32_t n : d.PathTo(node)) path.push_back(d.tokens[n]);
  return path;
}

TreeExpandFn FromTable(const Table& table, std::vector<std::vector<int32_t>>* frontiers) {
  return [&table, frontiers](const std::vector<int32_t>& frontier, const Draft& cands)
             -> absl::StatusOr<std::vector<std::vector<TreeCandidate>>> {
    frontiers->push_back(frontier);
    std::vector<std::vector<TreeCandidate>> out;
    for (int32_t f : frontier) {
      auto it = table.find(f < 0 ? std::vector<TokenId>{} : PathTokens(cands, f));
      out.push_back(it == table.end() ? std::vector<TreeCandidate>{} : it->second);
    }
    return out;
  };
}

// Tokens: A=1, B=2, C=3; A1=11, A2=12, B1=21, B2=22; A1x=111, B1x=211.
const Table kTable = {
    {{}, {{1, -0.1}, {2, -0.5}, {3, -1.0}}},
    {{1}, {{11, -0.2}, {12, -0.9}}},
    {{2}, {{21, -0.05}, {22, -2.0}}},
    {{1, 11}, {{111, -0.01}}},
    {{2, 21}, {{211, -0.3}}},
};

TEST_CASE("EAGLE-2 tree: hand-worked expansion and selection", "[tree]") {
  std::vector<std::vector<int32_t>> frontiers;
  // top_k 2: depth 1 keeps A(-0.1), B(-0.5); depth 2 candidates A1(-0.3),
  // A2(-1.0), B1(-0.55), B2(-2.5); best 4 overall: A, A1, B, B1.
  auto tree = BuildDynamicTree(TreeSpec{2, 2, 4}, FromTable(kTable, &frontiers));
  REQUIRE(tree.ok());
  CHECK(tree->tokens == std::vector<TokenId>{1, 2, 11, 21});  // creation order: parents first
  CHECK(tree->parents == std::vector<int32_t>{-1, -1, 0, 1});
  REQUIRE(frontiers.size() == 2);
  CHECK(frontiers[0] == std::vector<int32_t>{-1});
  CHECK(frontiers[1].size() == 2);  // A and B were expanded, C was not

  frontiers.clear();
  auto small = BuildDynamicTree(TreeSpec{2, 2, 3}, FromTable(kTable, &frontiers));
  REQUIRE(small.ok());
  CHECK(small->tokens == std::vector<TokenId>{1, 2, 11});
  CHECK(small->parents == std::vector<int32_t>{-1, -1, 0});
}

TEST_CASE("EAGLE-2 tree: the frontier is the top_k of each depth", "[tree]") {
  std::vector<std::vector<int32_t>> frontiers;
  // Depth 3 with top_k 2: the depth-2 frontier is A1(-0.3) and B1(-0.55);
  // their children A1x(-0.31) and B1x(-0.85) are the depth-3 candidates.
  auto tree = BuildDynamicTree(TreeSpec{2, 3, 6}, FromTable(kTable, &frontiers));
  REQUIRE(tree.ok());
  REQUIRE(frontiers.size() == 3);
  // Selected by score: A -0.1, A1 -0.3, A1x -0.31, B -0.5, B1 -0.55, B1x -0.85.
  CHECK(tree->tokens == std::vector<TokenId>{1, 2, 11, 21, 111, 211});
  CHECK(tree->parents == std::vector<int32_t>{-1, -1, 0, 1, 2, 3});
  CHECK(tree->Validate(1000).ok());
}

TEST_CASE("EAGLE-2 tree: ties keep shallower nodes, ancestors always kept", "[tree]") {
  // All log-probabilities 0: every node scores 0; shallower wins ties.
  const Table flat = {{{}, {{5, 0.0}, {6, 0.0}}}, {{5}, {{7, 0.0}}}, {{6}, {{8, 0.0}}}};
  std::vector<std::vector<int32_t>> frontiers;
  auto tree = BuildDynamicTree(TreeSpec{2, 2, 3}, FromTable(flat, &frontiers));
  REQUIRE(tree.ok());
  CHECK(tree->tokens == std::vector<TokenId>{5, 6, 7});
  for (int i = 0; i < tree->size(); ++i) CHECK(tree->parents[i] < i);
  CHECK_FALSE(BuildDynamicTree(TreeSpec{0, 2, 3}, FromTable(flat, &frontiers)).ok());
}

}  // namespace
}  // namespace xsd
