#include "bench_options.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

// The error names the flag and the value: "--<flag>=<value>: ...".
void CheckRejected(const BenchOptions& o, const std::string& prefix) {
  const absl::Status s = ValidateBenchOptions(o);
  INFO(s.message());
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message().rfind(prefix, 0) == 0);
}

TEST_CASE("The seed's defaults are valid", "[bench][options]") {
  BenchOptions o;
  CHECK(ValidateBenchOptions(o).ok());
  CHECK(o.max_new_tokens == 50);
  CHECK(o.n_questions == 10);
  CHECK(o.warmup == 3);
  CHECK(o.max_samples == kAll);
  CHECK(o.configs.empty());
  CHECK_FALSE(o.gamma.has_value());  // each config's own gamma (the shipped ones use the seed's 1, or 0 for L*+VL)
  CHECK(o.threads == 1);
  CHECK(o.world_dir == "configs/world");
  o.world_dir = XSD_TEST_DATA_DIR "/no_such_world";  // auto: mock without a world's models (world_set_test.cc)
  CHECK(EffectiveConfigSet(o) == "mock");
  o.dataset_dir = XSD_TEST_DATA_DIR "/bench/dsec_mini";
  CHECK(EffectiveConfigSet(o) == "models");
  o.config_set = "world";
  CHECK(ValidateBenchOptions(o).ok());
}

TEST_CASE("Bad values are rejected with the flag and the value", "[bench][options]") {
  BenchOptions o;
  o.n_questions = -1;
  CheckRejected(o, "--n_questions=-1:");
  o = BenchOptions();
  o.max_samples = 0;
  CheckRejected(o, "--max_samples=0:");
  o = BenchOptions();
  o.max_new_tokens = 0;
  CheckRejected(o, "--max_new_tokens=0:");
  o = BenchOptions();
  o.warmup = -2;
  CheckRejected(o, "--warmup=-2:");
  o = BenchOptions();
  o.gamma = -1;
  CheckRejected(o, "--gamma=-1:");
  o = BenchOptions();
  o.dataset_dir = "/nonexistent/dsec";
  CheckRejected(o, "--dataset_dir=/nonexistent/dsec:");
  o = BenchOptions();
  o.event_image_key = "event_image_2f";
  CheckRejected(o, "--event_image_key=event_image_2f:");
  o = BenchOptions();
  o.config_files = {"/nonexistent/L4+VL.pbtxt"};
  CheckRejected(o, "--config=/nonexistent/L4+VL.pbtxt:");
  o = BenchOptions();
  o.target_device = "gpu0";
  CheckRejected(o, "--target_device=gpu0:");
  o = BenchOptions();
  o.config_set = "real";
  CheckRejected(o, "--config_set=real:");
  o = BenchOptions();
  o.threads = 0;
  CheckRejected(o, "--threads=0:");
}

}  // namespace
}  // namespace xsd::bench
