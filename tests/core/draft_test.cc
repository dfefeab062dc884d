#include "xsd/core/draft.h"

#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Draft::Chain links each node to the previous one", "[draft]") {
  Draft d = Draft::Chain({5, 6, 7});
  CHECK(d.parents == std::vector<int32_t>{-1, 0, 1});
  CHECK(d.IsChain());
  CHECK(d.Depths() == std::vector<int>{1, 2, 3});
  CHECK(d.PathTo(2) == std::vector<int32_t>{0, 1, 2});
  CHECK(d.Validate(8).ok());
}

TEST_CASE("Draft tree helpers", "[draft]") {
  //        pending
  //        /     \
  //       0(a)   1(b)
  //      /   \      \
  //    2(c)  3(d)   4(e)
  Draft d;
  d.Add(10, -1);
  d.Add(11, -1);
  d.Add(12, 0);
  d.Add(13, 0);
  d.Add(14, 1);
  CHECK_FALSE(d.IsChain());
  CHECK(d.Children(-1) == std::vector<int32_t>{0, 1});
  CHECK(d.Children(0) == std::vector<int32_t>{2, 3});
  CHECK(d.Depths() == std::vector<int>{1, 1, 2, 2, 2});
  CHECK(d.PathTo(4) == std::vector<int32_t>{1, 4});
  CHECK(d.Depth(3) == 2);
}

TEST_CASE("Draft::Extend attaches a tail to a node", "[draft]") {
  Draft d = Draft::Chain({1, 2});
  d.Extend(Draft::Chain({3, 4}), 1);
  CHECK(d.tokens == std::vector<TokenId>{1, 2, 3, 4});
  CHECK(d.parents == std::vector<int32_t>{-1, 0, 1, 2});
  Draft e;
  e.Extend(Draft::Chain({9}), -1);
  CHECK(e.parents == std::vector<int32_t>{-1});
}

TEST_CASE("Draft::Validate names the offending node", "[draft]") {
  Draft d = Draft::Chain({1, 2, 99});
  absl::Status s = d.Validate(50);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("node 2") != std::string::npos);

  Draft bad_parent;
  bad_parent.tokens = {1, 2};
  bad_parent.parents = {-1, 1};  // a node cannot be its own parent
  CHECK_FALSE(bad_parent.Validate(10).ok());

  Draft probs = Draft::Chain({1});
  probs.probs = {0.5f, 0.5f};
  probs.vocab = 2;
  CHECK_FALSE(probs.Validate(4).ok());  // probs rows must span the target vocabulary
}

TEST_CASE("Draft::TruncateChain keeps a prefix, probs included", "[draft]") {
  Draft d;
  const std::vector<float> q = {0.25f, 0.75f};
  d.Add(0, -1, q);
  d.Add(1, 0, q);
  d.Add(1, 1, q);
  d.TruncateChain(2);
  CHECK(d.size() == 2);
  CHECK(d.probs.size() == 4);
}

}  // namespace
}  // namespace xsd
