// xsd_bench as a child process, and the comparisons of a run's results and
// report with an uninterrupted run's (outputs, counts and report structure;
// timings aside): shared by the binary and fault tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "record.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "xsd_catch.h"

namespace xsd::bench::testing {

struct Child {
  pid_t pid = -1;
  std::string log;  // stdout + stderr
};

// `file_size_limit` >= 0: RLIMIT_FSIZE of the child, with SIGXFSZ ignored, so
// a write past it fails with EFBIG as on a full disk (its log is written
// under the same limit).
inline Child Spawn(const std::vector<std::string>& args, const std::string& log, int64_t file_size_limit = -1) {
  Child child;
  child.log = log;
  child.pid = ::fork();
  if (child.pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (file_size_limit >= 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{static_cast<rlim_t>(file_size_limit), static_cast<rlim_t>(file_size_limit)};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    std::vector<char*> argv;
    std::string binary = XSD_BENCH_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return child;
}

// The exit code, or minus the signal that ended the child.
inline int Wait(const Child& child) {
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

inline int Run(const std::vector<std::string>& args, std::string* output, int64_t file_size_limit = -1) {
  xsd::testing::ScratchDir logs("bench");
  const Child child = Spawn(args, logs.File("log"), file_size_limit);
  const int code = Wait(child);
  *output = xsd::testing::ReadWholeFile(child.log);
  return code;
}

inline int CountRecords(const std::string& path) {
  const std::string text = xsd::testing::ReadWholeFile(path);
  int n = 0;
  for (size_t p = text.find("\"kind\":\"record\""); p != std::string::npos; p = text.find("\"kind\":\"record\"", p + 1)) ++n;
  return n;
}

// A small run of the embedded mock configs: 2 scenes x 3 questions, 3 configs.
inline std::vector<std::string> SmallRun(const std::string& out) {
  return {"--config_set=mock", "--builtin_scenes=2", "--n_questions=3", "--warmup=1", "--configs=vl_baseline,L5F_decode,L4+VL",
          "--output_dir=" + out, "--charts=false"};
}
constexpr int kSmallRunRecords = 2 * 3 * 3;
// SmallRun's prefill-hiding config: its draft counts depend on timing.
constexpr char kHidingConfig[] = "L4+VL";

inline std::map<std::string, SampleRecord> ByKey(const std::vector<SampleRecord>& records) {
  std::map<std::string, SampleRecord> m;
  for (const SampleRecord& r : records) {
    CHECK(m.emplace(r.Key(), r).second);  // no pair twice
  }
  return m;
}

// Outputs and counts equal; the prefill-hiding config's draft counts depend on
// timing (how many drafts finish inside the target's prefill), so only its
// tokens are compared.
inline void CheckSameResults(const std::vector<SampleRecord>& a, const std::vector<SampleRecord>& b) {
  const auto ma = ByKey(a), mb = ByKey(b);
  REQUIRE(ma.size() == mb.size());
  for (const auto& [key, ra] : ma) {
    INFO(ra.config << " " << ra.id);
    auto it = mb.find(key);
    REQUIRE(it != mb.end());
    const SampleRecord& rb = it->second;
    CHECK(ra.result.tokens == rb.result.tokens);
    CHECK(ra.text == rb.text);
    CHECK(ra.request_seed == rb.request_seed);
    CHECK(ra.result.stats.new_tokens == rb.result.stats.new_tokens);
    if (ra.config != kHidingConfig) {
      CHECK(ra.result.stats.drafted == rb.result.stats.drafted);
      CHECK(ra.result.stats.accepted == rb.result.stats.accepted);
      CHECK(ra.result.stats.rounds == rb.result.stats.rounds);
    }
  }
}

// The run's report JSON in `dir` (the latest by name when there are several);
// empty when there is none.
inline std::string FindReportJson(const std::string& dir) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("e2e_wallclock_", 0) == 0 && e.path().extension() == ".json") found = std::max(found, e.path().string());
  }
  return found;
}

// The report's structure and per-sample keys agree, its numbers come from the
// records (speedups recomputed from the per-sample totals), and its
// aggregates agree in everything that is not a time: counts, outputs against
// the baseline, and (but for the hiding config) drafts and acceptance.
inline void CheckSameReportJson(const nlohmann::json& a, const nlohmann::json& b) {
  for (const char* key : {"timestamp", "config", "stage_timing", "aggregate", "baseline_per_sample", "sd_per_sample"}) {
    CHECK(a.contains(key));
    CHECK(b.contains(key));
  }
  REQUIRE(a["baseline_per_sample"].size() == b["baseline_per_sample"].size());
  for (size_t i = 0; i < a["baseline_per_sample"].size(); ++i) {
    CHECK(a["baseline_per_sample"][i]["id"] == b["baseline_per_sample"][i]["id"]);
    CHECK(a["baseline_per_sample"][i]["text"] == b["baseline_per_sample"][i]["text"]);
  }
  for (const std::string config : {"L5F_decode", kHidingConfig}) {
    const nlohmann::json& sa = a["sd_per_sample"][config];
    const nlohmann::json& sb = b["sd_per_sample"][config];
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      INFO(config << " row " << i);
      std::vector<std::string> ka, kb;
      for (auto it = sa[i].begin(); it != sa[i].end(); ++it) ka.push_back(it.key());
      for (auto it = sb[i].begin(); it != sb[i].end(); ++it) kb.push_back(it.key());
      CHECK(ka == kb);
      CHECK(sa[i]["id"] == sb[i]["id"]);
      CHECK(sa[i]["text"] == sb[i]["text"]);
      CHECK(sa[i]["matches_baseline"] == true);
      CHECK(sb[i]["speedup"].get<double>() ==
            Approx(sb[i]["bl_total_ms"].get<double>() / sb[i]["sd_total_ms"].get<double>()));
    }
  }
  REQUIRE(a["aggregate"].size() == b["aggregate"].size());
  for (auto it = a["aggregate"].begin(); it != a["aggregate"].end(); ++it) {
    INFO("aggregate of " << it.key());
    REQUIRE(b["aggregate"].contains(it.key()));
    const nlohmann::json& ga = it.value();
    const nlohmann::json& gb = b["aggregate"][it.key()];
    for (const char* key : {"n", "paired_with_baseline", "matches_baseline", "matching_prefix", "mean_n_tokens"}) {
      INFO(key);
      CHECK(ga[key] == gb[key]);
    }
    if (it.key() != kHidingConfig) {
      for (const char* key : {"mean_drafted", "mean_accepted", "accept_rate", "tokens_per_iter", "mean_rounds"}) {
        INFO(key);
        CHECK(ga[key] == gb[key]);
      }
    }
  }
}

inline void CheckSameReport(const std::string& dir_a, const std::string& dir_b) {
  const std::string ra = FindReportJson(dir_a), rb = FindReportJson(dir_b);
  REQUIRE_FALSE(ra.empty());
  REQUIRE_FALSE(rb.empty());
  CheckSameReportJson(nlohmann::json::parse(xsd::testing::ReadWholeFile(ra)),
                      nlohmann::json::parse(xsd::testing::ReadWholeFile(rb)));
}

}  // namespace xsd::bench::testing
