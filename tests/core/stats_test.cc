#include "xsd/core/stats.h"

#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("Derived statistics follow docs/metrics.md", "[stats]") {
  SpecStats s;
  s.new_tokens = 11;  // 1 from prefill + 6 accepted + 4 bonus
  s.rounds = 4;
  s.drafted = 12;
  s.accepted = 6;
  s.bonus = 4;
  CHECK(s.accept_rate() == Approx(0.5));
  CHECK(s.tokens_per_target_forward() == Approx(2.5));
  CHECK(s.mean_accepted_length() == Approx(1.5));
  CHECK(s.mean_accepted_length_with_bonus() == Approx(2.5));
  SpecStats empty;
  CHECK(empty.accept_rate() == 0.0);
  CHECK(empty.tokens_per_target_forward() == 0.0);
}

TEST_CASE("Per-depth acceptance counts and merging", "[stats]") {
  SpecStats a;
  a.RecordDraftDepth(1, true);
  a.RecordDraftDepth(2, false);
  a.RecordDraftDepth(1, false);
  CHECK(a.drafted_at_depth == std::vector<int64_t>{2, 1});
  CHECK(a.accepted_at_depth == std::vector<int64_t>{1, 0});
  CHECK(a.accept_rate_at_depth(1) == Approx(0.5));
  CHECK(a.accept_rate_at_depth(3) == 0.0);
  SpecStats b;
  b.RecordDraftDepth(3, true);
  b.drafted = 1;
  a.Merge(b);
  CHECK(a.drafted_at_depth == std::vector<int64_t>{2, 1, 1});
  CHECK(a.accepted_at_depth == std::vector<int64_t>{1, 0, 1});
  CHECK(a.drafted == 1);
}

}  // namespace
}  // namespace xsd
