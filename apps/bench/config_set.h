// The pipelines a run compares: read from an embedded set (configs/mock,
// configs/, configs/world), a directory, or --config files; selected by --configs; with the
// benchmark-wide overrides applied (max_new_tokens, gamma, seed, devices,
// checkpoint directories), and checked against the component registry before
// anything runs, so that a config naming a component that is not built yet
// is answered with the file and the component, not a crash.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench_options.h"
#include "xsd/config/registry.h"
#include "xsd/pipeline.pb.h"

namespace xsd::bench {

struct BenchConfig {
  std::string name;                // PipelineConfig.name, else the file stem
  std::string source;              // a path, or "embedded:mock/L4+VL.pbtxt"
  std::string text;                // the .pbtxt as read, recorded in the report
  config::PipelineConfig config;   // parsed, overrides applied
};

// Every config of the chosen source, parsed (not yet validated), name order.
absl::StatusOr<std::vector<BenchConfig>> LoadConfigSource(const BenchOptions& options);

// The configs to run, baseline first (added when --configs left it out and
// the source has it; ResolveConfigs warns when there is none). Unknown names: InvalidArgument naming --configs and
// listing the known names.
absl::StatusOr<std::vector<BenchConfig>> SelectConfigs(std::vector<BenchConfig> all, const BenchOptions& options);

// The benchmark-wide overrides (bench_options.h); paths resolved against
// --checkpoint_dir / --adapter_dir when relative.
void ApplyOverrides(const BenchOptions& options, BenchConfig& config);

// Registered component names first (the likeliest failure while real models
// are being built), then ValidatePipelineConfig; errors start with the source.
absl::Status PreflightConfig(const BenchConfig& config, const Registry& registry = Registry::Global());

// Load + select + override + preflight (and, for the world set, the files the
// configs read: world_set.h): what main() and tests use.
absl::StatusOr<std::vector<BenchConfig>> ResolveConfigs(const BenchOptions& options);

// True when every component of the config is a mock (scripted, noisy_oracle):
// the report says so in its title.
bool UsesOnlyMockModels(const config::PipelineConfig& config);

}  // namespace xsd::bench
