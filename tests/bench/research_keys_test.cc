#include "research_keys.h"
#include "test_records.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using testing::MakeRecord;
using testing::RecordSpec;

TEST_CASE("sd_per_sample carries every research key", "[bench][research_keys]") {
  RecordSpec spec{"L4+VL", "interlaken_0/3", 3, 80};
  spec.target_prefill_ms = 40;
  spec.drafted = 20;
  spec.accepted = 5;
  spec.new_tokens = 31;
  spec.rounds = 25;
  SampleRecord r = MakeRecord(spec);
  r.result.stats.overlap_ms = 30;
  r.result.stats.free_tokens = 21;
  r.result.stats.gap_ms = 1.5;
  r.result.times.drafter_prefill_ms = 9;
  r.result.times.verify_ms = 35;
  r.result.timeline = {{"drafter", "adapter", 41, 43.5, 0, 0}, {"drafter", "draft", 10, 11, 1, 0}};
  const SampleRecord bl = MakeRecord({"vl_baseline", "interlaken_0/3", 3, 100});
  const nlohmann::json j = SdPerSample(r, &bl);
  for (const char* key : {"sample", "question", "bl_total_ms", "parallel_prefill_ms", "egpt_prefill_ms", "vl_prefill_ms",
                          "egpt_decode_ms", "overlap_ms", "overlap_ratio", "sd_decode_ms", "sd_total_ms", "speedup",
                          "n_tokens", "drafted", "accepted", "accept_rate", "tokens_per_iter", "text", "num_free_tok",
                          "gap_ms", "adapter_ms", "vl_decode_ms"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["sample"] == "interlaken_0");
  CHECK(j["bl_total_ms"] == 100.0);
  CHECK(j["sd_total_ms"] == 80.0);
  CHECK(j["speedup"].get<double>() == Approx(1.25));
  CHECK(j["overlap_ratio"].get<double>() == Approx(0.75));
  CHECK(j["accept_rate"].get<double>() == Approx(0.25));
  CHECK(j["tokens_per_iter"].get<double>() == Approx(30.0 / 25));
  CHECK(j["num_free_tok"] == 21);
  CHECK(j["egpt_prefill_ms"] == 9.0);
  CHECK(j["vl_prefill_ms"] == 40.0);
  CHECK(j["vl_decode_ms"] == 35.0);
  CHECK(j["sd_decode_ms"].get<double>() == Approx(40));  // 80 total - 40 prefill phase
  CHECK(j["adapter_ms"].get<double>() == Approx(2.5));    // the drafter lane's adapter spans
  CHECK(j["egpt_decode_ms"].get<double>() == Approx(1));  // hidden drafting only
  CHECK(j["matches_baseline"] == true);

  const nlohmann::json alone = SdPerSample(r, nullptr);
  CHECK(alone["speedup"].is_null());
  CHECK(alone["bl_total_ms"].is_null());
}

TEST_CASE("baseline_per_sample reports prefill, decode and total", "[bench][research_keys]") {
  RecordSpec spec{"vl_baseline", "s/1", 1, 120};
  spec.target_prefill_ms = 50;
  const nlohmann::json j = BaselinePerSample(MakeRecord(spec));
  CHECK(j["bl_total_ms"] == 120.0);
  CHECK(j["vl_prefill_ms"] == 50.0);
  CHECK(j["vl_decode_ms"].get<double>() == Approx(70));
  CHECK(j["n_tokens"] == 11);
  CHECK(j["text"] == "1 2 3");
}

}  // namespace
}  // namespace xsd::bench
