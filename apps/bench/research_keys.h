// The research pipeline's per-sample JSON keys (FACTS.md §7), mapped from
// libxsd's results in exactly one place. docs/bench.md has the table; keep
// the two in step.
#pragma once

#include <nlohmann/json.hpp>

#include "record.h"

namespace xsd::bench {

// One entry of "baseline_per_sample".
nlohmann::json BaselinePerSample(const SampleRecord& baseline);

// One entry of "sd_per_sample[<config>]"; `baseline` is the baseline's record
// for the same request, or null (then bl_total_ms and speedup are null).
nlohmann::json SdPerSample(const SampleRecord& record, const SampleRecord* baseline);

}  // namespace xsd::bench
