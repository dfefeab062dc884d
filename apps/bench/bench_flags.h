// xsd_bench's command-line flags (absl flags) -> BenchOptions.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench_options.h"

namespace xsd::bench {

// Reads the parsed flags. InvalidArgument names the flag and the value for
// values that do not parse (--max_samples=abc, --shard=3); the ranges are
// checked by ValidateBenchOptions.
absl::StatusOr<BenchOptions> BenchOptionsFromFlags();

// The usage text (absl::SetProgramUsageMessage).
std::string BenchUsage();

}  // namespace xsd::bench
