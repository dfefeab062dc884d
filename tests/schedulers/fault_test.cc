// Faults in generation: a drafter or the target fails (faulty.h) at its
// first, second or a random later (3rd-10th) call of Begin / Propose /
// Observe / Prefill / Verify / Commit in a request, before or after doing
// the work, in every scheduler:
// autoregressive, speculative, prefill hiding on a thread and sequential,
// with and without a decode drafter, and a lane that finishes in the
// background. For every fault: the request returns an error naming the
// failing component and the method (or, for a lane that finished in the
// background, the next request does: its own request had already returned
// its output), within a minute (no hang); no thread is left behind; and the
// next request on the same pipeline emits the target's greedy output.
// Mock models (scripted, over a real KV cache) and real ones (a tiny LLaMA
// target and LLaMA drafter, an EAGLE decode drafter).
#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "checked_target.h"
#include "faulty.h"
#include "real_pipelines.h"
#include "support/reference.h"
#include "xsd/base/rng.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Fault;
using testing::FaultyDrafter;
using testing::FaultyVerifier;

// Threads of this process (Linux: the entries of /proc/self/task; a thread
// leaves it when it exits).
int ThreadCount() {
  DIR* dir = opendir("/proc/self/task");
  REQUIRE(dir != nullptr);
  int n = 0;
  while (const dirent* e = readdir(dir)) n += e->d_name[0] != '.';
  closedir(dir);
  return n;
}

// The thread count before a test's schedulers exist. A thread is started
// and joined first: a sanitizer's runtime starts its own helper thread with
// the process's first thread (TSan), which is not libxsd's.
int IdleThreadCount() {
  std::thread([] {}).join();
  return ThreadCount();
}

// The thread count once it is at most `expected` or a second has passed: a
// thread whose work is done may still be on its way out; one still there
// after a second is stuck, or kept by a live scheduler (its lane worker).
int SettledThreadCount(int expected) {
  int n = ThreadCount();
  for (int i = 0; i < 100 && n > expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    n = ThreadCount();
  }
  return n;
}

// Generate on a thread of its own, joined before returning; a call that has
// not returned after a minute hangs: the test binary aborts.
absl::StatusOr<GenerationResult> GenerateOrAbort(Scheduler& scheduler, const Request& request) {
  std::promise<absl::StatusOr<GenerationResult>> promise;
  std::future<absl::StatusOr<GenerationResult>> done = promise.get_future();
  std::thread caller([&] { promise.set_value(scheduler.Generate(request)); });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "Generate did not return within 60 s (request %s): hung\n", request.id.c_str());
    std::abort();
  }
  caller.join();
  return done.get();
}

enum class Schedule { kAutoregressive, kSpeculative, kHidingThreaded, kHidingSequential };

const char* ScheduleName(Schedule s) {
  switch (s) {
    case Schedule::kAutoregressive: return "autoregressive";
    case Schedule::kSpeculative: return "speculative";
    case Schedule::kHidingThreaded: return "prefill_hiding (threaded)";
    case Schedule::kHidingSequential: return "prefill_hiding (sequential)";
  }
  return "?";
}

// The components of one pipeline, each behind a fault decorator, and the
// target's greedy output for a request (computed without the pipeline).
struct Rig {
  std::string name;
  Schedule schedule = Schedule::kAutoregressive;
  bool late_lane = false;  // the lane outlasts the target's prefill and nothing drafts afterwards
  std::unique_ptr<FaultyVerifier> target;
  std::unique_ptr<FaultyDrafter> drafter;  // speculative: the drafter; prefill hiding: the lane's
  std::unique_ptr<FaultyDrafter> decoder;  // prefill hiding: the decode drafter, or null
  std::function<std::vector<TokenId>(const Request&)> reference;
  std::function<Request(Rng&, const std::string&)> make_request;
  SchedulerOptions options;
  std::vector<std::shared_ptr<void>> keep;  // what the decorators wrap

  std::unique_ptr<Scheduler> MakeScheduler(const AcceptancePolicy* policy) const {
    absl::StatusOr<std::unique_ptr<Scheduler>> s;
    switch (schedule) {
      case Schedule::kAutoregressive: s = MakeAutoregressiveScheduler(target.get(), policy, options); break;
      case Schedule::kSpeculative: s = MakeSpeculativeScheduler(target.get(), drafter.get(), policy, options); break;
      case Schedule::kHidingThreaded:
      case Schedule::kHidingSequential:
        s = MakePrefillHidingScheduler(target.get(), drafter.get(), decoder.get(), policy, options);
        break;
    }
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return std::move(s).value();
  }
};

SchedulerOptions RigOptions(Schedule schedule, int gamma) {
  SchedulerOptions o;
  o.max_new_tokens = 12;
  o.gamma = gamma;
  o.max_free_tokens = 6;
  o.concurrent = schedule == Schedule::kHidingThreaded;
  o.skip_slow_lane = false;  // a late lane every time
  return o;
}

// Mock rigs: a scripted target (its prefill takes 2 ms, so a lane drafts
// beside it), a scripted drafter, a noisy oracle decoding.
Rig MockRig(Schedule schedule, bool with_decoder, bool late_lane) {
  Rig rig;
  rig.schedule = schedule;
  rig.late_lane = late_lane;
  rig.name = std::string("mock ") + ScheduleName(schedule) + (with_decoder ? " + decode drafter" : "") +
             (late_lane ? ", late lane" : "");
  ScriptedLmOptions t;
  t.vocab_size = 24;
  t.seed = 31;
  t.prefill_ms = 2;
  auto target = std::shared_ptr<MockVerifier>(MockVerifier::Create(t).value().release());
  rig.keep.push_back(target);
  rig.target = std::make_unique<FaultyVerifier>(target.get(), "target");
  std::shared_ptr<Drafter> drafter;
  if (late_lane) {
    NoisyOracleOptions o;
    o.agreement = 0.8;
    o.prefill_ms = 6;  // longer than the target's prefill
    drafter = std::shared_ptr<Drafter>(
        NoisyOracleDrafter::Create(o, MakeScriptedOracle(&target->lm()), target->info()).value().release());
  } else {
    ScriptedLmOptions d = t;
    d.seed = 32;
    d.prefill_ms = 0.3;
    d.step_ms = 0.1;
    d.noise = 0.3f;
    drafter = std::shared_ptr<Drafter>(ScriptedDrafter::Create(d).value().release());
  }
  rig.keep.push_back(drafter);
  if (schedule != Schedule::kAutoregressive) rig.drafter = std::make_unique<FaultyDrafter>(drafter.get(), "hider");
  if (with_decoder) {
    NoisyOracleOptions o;
    o.agreement = 0.7;
    auto decoder = std::shared_ptr<Drafter>(
        NoisyOracleDrafter::Create(o, MakeScriptedOracle(&target->lm()), target->info()).value().release());
    rig.keep.push_back(decoder);
    rig.decoder = std::make_unique<FaultyDrafter>(decoder.get(), "decoder");
  }
  rig.options = RigOptions(schedule, late_lane ? 0 : 3);
  rig.reference = [target, max = rig.options.max_new_tokens](const Request& r) {
    return testing::ReferenceGreedy(target->lm(), r.prompt_tokens, max);
  };
  rig.make_request = [](Rng& rng, const std::string& id) {
    Request r;
    r.id = id;
    r.prompt_tokens.resize(1 + rng.Below(6));
    for (TokenId& t : r.prompt_tokens) t = static_cast<TokenId>(rng.Below(24));
    return r;
  };
  return rig;
}

// Real rigs: the agreeable one-layer LLaMA (real_pipelines.h), its prefill
// slowed by 1 ms; a LLaMA drafter over the perturbed weights; EAGLE decoding.
Rig RealRig(Schedule schedule, bool with_decoder) {
  const testing::LlamaFamily& f = testing::LlamaFamily::Get();
  Rig rig;
  rig.schedule = schedule;
  rig.name = std::string("real ") + ScheduleName(schedule) + (with_decoder ? " + EAGLE decode drafter" : "");
  auto checked = std::make_shared<testing::CheckedTarget>(testing::MakeLlamaVerifier(f.target, 128));
  checked->SetPrefillDelay(std::chrono::microseconds(1000));
  rig.keep.push_back(checked);
  rig.target = std::make_unique<FaultyVerifier>(checked.get(), "target");
  std::unique_ptr<FaultyDrafter> eagle;
  if (with_decoder) {
    auto head = std::shared_ptr<Drafter>(
        testing::MakeRealDrafter(testing::RealDrafter::kEagle, rig.target.get(), 128, true).release());
    rig.keep.push_back(head);
    eagle = std::make_unique<FaultyDrafter>(head.get(), "decoder");
  }
  if (schedule == Schedule::kSpeculative && with_decoder) {
    rig.drafter = std::move(eagle);
  } else if (schedule != Schedule::kAutoregressive) {
    auto drafter = std::shared_ptr<Drafter>(testing::MakeLlamaDrafter(f.drafter, 128, false).release());
    rig.keep.push_back(drafter);
    rig.drafter = std::make_unique<FaultyDrafter>(drafter.get(), "hider");
    rig.decoder = std::move(eagle);
  }
  rig.options = RigOptions(schedule, 3);
  auto reference_target = std::shared_ptr<LlamaVerifier>(testing::MakeLlamaVerifier(f.target, 128).release());
  rig.reference = [reference_target, max = rig.options.max_new_tokens](const Request& r) {
    return testing::RunReference(*reference_target, r, max).tokens;
  };
  rig.make_request = [vocab = f.config.vocab_size](Rng& rng, const std::string& id) {
    Request r;
    r.id = id;
    r.prompt_tokens.resize(1 + rng.Below(8));
    for (TokenId& t : r.prompt_tokens) t = static_cast<TokenId>(rng.Below(vocab));
    return r;
  };
  return rig;
}

struct Tally {
  int faults = 0, returned = 0, deferred = 0, not_reached = 0;
};

// Expects `status` to be the injected fault, named with its component and method.
void CheckNamed(const absl::Status& status, const std::string& component, const std::string& method) {
  INFO("status: " << status.ToString());
  CHECK_FALSE(status.ok());
  const std::string message(status.message());
  CHECK(message.find(testing::kInjected) != std::string::npos);
  CHECK(message.find("'" + component + "'") != std::string::npos);
  CHECK(message.find(method) != std::string::npos);
}

// One fault: arm, the failing request, disarm, the request after.
void RunFault(Rig& rig, Scheduler& scheduler, FaultyDrafter* drafter, FaultyVerifier* target, const Fault& fault,
              Rng& rng, int baseline_threads, Tally& tally) {
  testing::FaultPoint& point = drafter != nullptr ? drafter->fault() : target->fault();
  const std::string component = drafter != nullptr ? drafter->info().name : target->info().name;
  INFO(rig.name << ": " << component << " fails at " << fault.method << " call " << fault.call
                << (fault.when == Fault::When::kInstead ? " instead of working" : " after working"));
  const Request failing = rig.make_request(rng, "failing");
  point.Arm(fault);
  auto result = GenerateOrAbort(scheduler, failing);
  bool fired = point.fired();
  // A late lane makes its Begin call in the background, maybe after the
  // request returned: wait for it.
  if (!fired && result.ok() && rig.late_lane && drafter == rig.drafter.get() && fault.method == "begin" &&
      fault.call == 1) {
    for (int i = 0; i < 500 && !fired; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      fired = point.fired();
    }
    REQUIRE(fired);
  }
  point.Disarm();
  ++tally.faults;
  bool deferred = false;
  if (!fired) {
    // The request never made that call: it must have succeeded.
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result->tokens == rig.reference(failing));
    ++tally.not_reached;
  } else if (!result.ok()) {
    CheckNamed(result.status(), component, fault.method);
    ++tally.returned;
  } else {
    // Only a lane that finished in the background reports later.
    REQUIRE(rig.late_lane);
    CHECK(result->tokens == rig.reference(failing));
    deferred = true;
    ++tally.deferred;
  }
  CHECK(SettledThreadCount(baseline_threads) == baseline_threads);
  const Request next = rig.make_request(rng, "next");
  auto after = GenerateOrAbort(scheduler, next);
  if (deferred) {
    CheckNamed(after.status(), component, fault.method);
    CHECK(std::string(after.status().message()).find("previous request") != std::string::npos);
    after = GenerateOrAbort(scheduler, next);
  }
  INFO("the request after: " << after.status().ToString());
  REQUIRE(after.ok());
  CHECK(after->tokens == rig.reference(next));
  CHECK(SettledThreadCount(baseline_threads) == baseline_threads);
}

// Every fault of every component of `rig`.
Tally RunRig(Rig& rig, uint64_t seed) {
  Rng rng(seed);
  auto greedy = MakeGreedyAcceptance();
  const int idle_threads = IdleThreadCount();
  Tally tally;
  {
    std::unique_ptr<Scheduler> scheduler = rig.MakeScheduler(greedy.get());
    // A first request creates whatever threads the scheduler and the
    // libraries keep (the prefill-hiding lane worker lives until the
    // scheduler is destroyed); the wait lets a late lane of it finish before
    // the first fault is armed.
    auto warm = GenerateOrAbort(*scheduler, rig.make_request(rng, "warm"));
    REQUIRE(warm.ok());
    const int baseline = SettledThreadCount(idle_threads);
    const Fault::When kWhen[] = {Fault::When::kInstead, Fault::When::kAfter};
    for (const char* method : {"prefill", "verify", "commit"}) {
      for (int call : {1, 2, 3 + static_cast<int>(rng.Below(8))}) {
        for (Fault::When when : kWhen) RunFault(rig, *scheduler, nullptr, rig.target.get(), {method, call, when}, rng, baseline, tally);
      }
    }
    for (FaultyDrafter* d : {rig.drafter.get(), rig.decoder.get()}) {
      if (d == nullptr) continue;
      for (const char* method : {"begin", "propose", "observe"}) {
        for (int call : {1, 2, 3 + static_cast<int>(rng.Below(8))}) {
          for (Fault::When when : kWhen) RunFault(rig, *scheduler, d, nullptr, {method, call, when}, rng, baseline, tally);
        }
      }
    }
  }
  // The scheduler is gone: every thread it started has been joined.
  CHECK(SettledThreadCount(idle_threads) == idle_threads);
  return tally;
}

TEST_CASE("Faults in every scheduler return a named error, leave no thread and the next request is right (mock)",
          "[faults]") {
  const int idle = IdleThreadCount();
  int returned = 0, deferred = 0;
  uint64_t seed = 100;
  for (const Schedule schedule : {Schedule::kAutoregressive, Schedule::kSpeculative, Schedule::kHidingThreaded,
                                  Schedule::kHidingSequential}) {
    for (const bool decoder : {false, true}) {
      if (decoder && (schedule == Schedule::kAutoregressive || schedule == Schedule::kSpeculative)) continue;
      Rig rig = MockRig(schedule, decoder, /*late_lane=*/false);
      const Tally t = RunRig(rig, ++seed);
      WARN(rig.name << ": " << t.faults << " faults, " << t.returned << " returned, " << t.not_reached
                    << " not reached");
      CHECK(t.returned > 0);
      returned += t.returned;
    }
  }
  Rig late = MockRig(Schedule::kHidingThreaded, false, /*late_lane=*/true);
  const Tally t = RunRig(late, ++seed);
  WARN(late.name << ": " << t.faults << " faults, " << t.returned << " returned, " << t.deferred
                 << " reported by the next request, " << t.not_reached << " not reached");
  deferred += t.deferred;
  returned += t.returned;
  CHECK(deferred > 0);
  CHECK(returned > 100);
  CHECK(SettledThreadCount(idle) == idle);
}

TEST_CASE("Faults in every scheduler return a named error, leave no thread and the next request is right (real)",
          "[faults][real]") {
  testing::LlamaFamily::Get();
  const int idle = IdleThreadCount();
  int returned = 0;
  uint64_t seed = 200;
  for (const Schedule schedule : {Schedule::kAutoregressive, Schedule::kSpeculative, Schedule::kHidingThreaded,
                                  Schedule::kHidingSequential}) {
    for (const bool decoder : {false, true}) {
      if (decoder && schedule == Schedule::kAutoregressive) continue;
      Rig rig = RealRig(schedule, decoder);  // speculative + decoder: EAGLE is its drafter
      const Tally t = RunRig(rig, ++seed);
      WARN(rig.name << ": " << t.faults << " faults, " << t.returned << " returned, " << t.not_reached
                    << " not reached");
      CHECK(t.returned > 0);
      returned += t.returned;
    }
  }
  CHECK(returned > 100);
  CHECK(SettledThreadCount(idle) == idle);
}

}  // namespace
}  // namespace xsd
