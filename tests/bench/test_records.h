// Hand-built SampleRecords for the bench tests: every time and count is set
// by the test, so expected values are computed by hand, not by the code
// under test.
#pragma once

#include <string>
#include <vector>

#include "record.h"

namespace xsd::bench::testing {

struct RecordSpec {
  std::string config = "vl_baseline";
  std::string id = "s0/0";
  int position = 0;
  double total_ms = 100;
  double target_prefill_ms = 30;
  double sync_ms = 0;
  int64_t new_tokens = 11;
  int64_t rounds = 10;
  int64_t drafted = 0;
  int64_t accepted = 0;
  std::vector<TokenId> tokens = {1, 2, 3};
};

inline SampleRecord MakeRecord(const RecordSpec& s) {
  SampleRecord r;
  r.config = s.config;
  r.id = s.id;
  r.scene = s.id.substr(0, s.id.find('/'));
  r.position = s.position;
  r.question = "q";
  r.result.tokens = s.tokens;
  r.result.times.total_ms = s.total_ms;
  r.result.times.target_prefill_ms = s.target_prefill_ms;
  r.result.times.sync_ms = s.sync_ms;
  r.result.times.ttft_ms = s.target_prefill_ms;
  r.result.stats.new_tokens = s.new_tokens;
  r.result.stats.rounds = s.rounds;
  r.result.stats.target_forwards = s.rounds + 1;
  r.result.stats.drafted = s.drafted;
  r.result.stats.accepted = s.accepted;
  r.text = TokensAsText(s.tokens);
  return r;
}

}  // namespace xsd::bench::testing
