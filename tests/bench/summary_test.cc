#include <limits>

#include "sample_metrics.h"
#include "summary.h"
#include "test_records.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using testing::MakeRecord;
using testing::RecordSpec;

TEST_CASE("Sample metrics split the request at the end of the prefill phase", "[bench][summary]") {
  RecordSpec spec;
  spec.total_ms = 100;
  spec.target_prefill_ms = 30;
  spec.sync_ms = 2;
  spec.new_tokens = 11;
  spec.rounds = 9;
  spec.drafted = 10;
  spec.accepted = 3;
  SampleRecord r = MakeRecord(spec);
  r.result.times.decode_ms = 60;
  r.result.stats.hidden_drafts_verified = 6;
  r.result.target_prefill.media_ms = 4;
  r.result.target_prefill.vision_ms = 6;
  r.result.timeline = {
      {"target", "prefill", 0, 30, 0, 0},    {"drafter", "prefill", 0, 8, 0, 0},
      {"drafter", "draft", 8, 15, 1, 0},     {"drafter", "draft", 15, 32, 6, 0},
      {"target", "idle", 30, 32, 0, 0},      {"target", "verify", 32, 36, 3, 2},  // the hidden drafts' round
      {"drafter", "draft", 36, 37, 1, 0},    {"target", "verify", 37, 40, 2, 1},
      {"target", "decode", 40, 43, 1, 0},
  };
  const SampleMetrics m = MetricsOf(r);
  CHECK(m.prefill_phase_ms == Approx(32));
  CHECK(m.decode_phase_ms == Approx(68));
  CHECK(m.vision_ms == Approx(10));
  CHECK(m.llm_prefill_ms == Approx(20));
  CHECK(m.tpot_ms == Approx(6));          // 60 ms over 10 later tokens
  CHECK(m.hidden_draft_ms == Approx(24));  // 7 + 17
  CHECK(m.hidden_verify_ms == Approx(4));
  CHECK(m.decode_rounds == 2);
  CHECK(m.decode_verify_ms == Approx(6));
  CHECK(m.decode_draft_ms == Approx(1));
  CHECK(m.accept_rate == Approx(0.3));
  CHECK(m.tokens_per_forward == Approx(10.0 / 9));
}

TEST_CASE("Speedups pair each sample with the baseline's same request", "[bench][summary]") {
  std::vector<SampleRecord> records;
  // Baseline 100 and 200 ms; the config 50 and 200 ms: per-sample speedups 2 and 1.
  records.push_back(MakeRecord({"vl_baseline", "a/0", 0, 100}));
  records.push_back(MakeRecord({"vl_baseline", "a/1", 1, 200}));
  RecordSpec fast{"L4+VL", "a/0", 0, 50};
  fast.drafted = 8;
  fast.accepted = 2;
  RecordSpec same{"L4+VL", "a/1", 1, 200};
  same.drafted = 2;
  same.accepted = 2;
  same.tokens = {1, 2, 4};  // differs from the baseline's output
  records.push_back(MakeRecord(fast));
  records.push_back(MakeRecord(same));
  records.push_back(MakeRecord({"L5F_decode", "b/0", 2, 10}));  // no baseline for b/0

  const RunSummary s = Summarize(records, {{"vl_baseline", 0, false}, {"L4+VL", 0, true}, {"L5F_decode", 1, true}},
                                 "vl_baseline");
  REQUIRE(s.configs.size() == 3);
  const ConfigSummary& bl = *s.Find("vl_baseline");
  REQUIRE(bl.speedup_mean.has_value());
  CHECK(*bl.speedup_mean == Approx(1.0));
  const ConfigSummary& l4 = *s.Find("L4+VL");
  CHECK(l4.n == 2);
  CHECK(l4.paired == 2);
  CHECK(l4.matches_baseline == 1);
  CHECK(*l4.speedup_mean == Approx(1.5));          // (2 + 1) / 2
  CHECK(*l4.speedup_of_means == Approx(300.0 / 250.0));
  CHECK(l4.accept_rate == Approx(4.0 / 10.0));     // pooled, not the mean of 0.25 and 1.0
  CHECK(l4.mean.total_ms == Approx(125));
  CHECK(l4.baseline_total_ms == Approx(150));
  CHECK(l4.speedup_ci95 == Approx(1.96 * std::sqrt(0.5) / std::sqrt(2.0)));
  const ConfigSummary& l5 = *s.Find("L5F_decode");
  CHECK(l5.paired == 0);
  CHECK_FALSE(l5.speedup_mean.has_value());
  CHECK_FALSE(l5.predicted_speedup.has_value());
}

TEST_CASE("The prefill phase's median ignores a one-off slow request that moves its mean", "[bench][summary]") {
  std::vector<SampleRecord> records;
  const double prefills[] = {40, 110, 42};  // the second: a first request at a new prompt length
  for (int i = 0; i < 3; ++i) {
    RecordSpec spec{"vl_baseline", "s/" + std::to_string(i), i, 200.0};
    spec.target_prefill_ms = prefills[i];
    spec.sync_ms = 1;
    records.push_back(MakeRecord(spec));
  }
  const RunSummary s = Summarize(records, {{"vl_baseline", 0, false}}, "vl_baseline");
  const ConfigSummary& bl = s.configs[0];
  CHECK(bl.mean.prefill_phase_ms == Approx(65));  // (41 + 111 + 43) / 3, with the 1 ms sync each
  CHECK(bl.median_prefill_ms == Approx(43));
}

TEST_CASE("The cost model reproduces an autoregressive config's own mean", "[bench][summary]") {
  std::vector<SampleRecord> records;
  for (int i = 0; i < 3; ++i) {
    RecordSpec spec{"vl_baseline", "s/" + std::to_string(i), i, 100.0 + 10 * i};
    SampleRecord r = MakeRecord(spec);
    for (int k = 0; k < 10; ++k) r.result.timeline.push_back({"target", "decode", 30.0 + 6 * k, 36.0 + 6 * k, 1, 0});
    records.push_back(r);
  }
  const RunSummary s = Summarize(records, {{"vl_baseline", 0, false}}, "vl_baseline");
  const ConfigSummary& bl = s.configs[0];
  CHECK(bl.model.verify_ms == Approx(6));
  CHECK(bl.model.TotalMs(0.3) == Approx(110));  // the mean total, by construction (residual O)
  REQUIRE(bl.predicted_speedup.has_value());
  CHECK(*bl.predicted_speedup == Approx(1.0));
  CHECK(bl.median_total_ms == Approx(110));
}

}  // namespace
}  // namespace xsd::bench

namespace xsd::bench {
namespace {

TEST_CASE("First divergence: position, matching prefix and the margins both runs saw there", "[bench][summary]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  GenerationResult base, other;
  base.tokens = {5, 6, 7, 8};
  base.margins = {2.0f, 1.5f, 0.01f, 3.0f};
  other.tokens = {5, 6, 9, 8};
  other.margins = {2.0f, 1.5f, 0.02f, nan};
  Divergence d = FirstDivergence(base, other);
  CHECK(d.at == 2);
  CHECK(d.matching_fraction == Approx(0.5));
  REQUIRE(d.baseline_margin.has_value());
  CHECK(*d.baseline_margin == Approx(0.01));
  REQUIRE(d.margin.has_value());
  CHECK(*d.margin == Approx(0.02));

  other.tokens = base.tokens;
  d = FirstDivergence(base, other);
  CHECK(d.at == -1);
  CHECK(d.matching_fraction == 1.0);
  CHECK_FALSE(d.margin.has_value());

  other.tokens = {5, 6, 7};  // a prefix: parts where it ends; its margin there is unknown
  other.margins = {2.0f, 1.5f, 0.01f};
  d = FirstDivergence(base, other);
  CHECK(d.at == 3);
  CHECK(d.matching_fraction == Approx(0.75));
  CHECK(*d.baseline_margin == Approx(3.0));
  CHECK_FALSE(d.margin.has_value());

  other.tokens = {1, 6, 7, 8};
  other.margins.clear();  // a run without margins
  d = FirstDivergence(base, other);
  CHECK(d.at == 0);
  CHECK(d.matching_fraction == 0.0);
  CHECK_FALSE(d.margin.has_value());
}

}  // namespace
}  // namespace xsd::bench
