// Pipeline: a target, drafters, an acceptance policy and a scheduler built
// from one PipelineConfig (.pbtxt). The Pipeline owns every component; the
// scheduler borrows them.
//
//   XSD_ASSIGN_OR_RETURN(auto pipeline, xsd::Pipeline::FromFile("configs/L4+VL.pbtxt"));
//   XSD_ASSIGN_OR_RETURN(xsd::GenerationResult r, pipeline->Generate(request));
//
// Errors name the file, line and field ("L4+VL.pbtxt: scheduler.gamma: must
// be >= 0, got -2"); nothing aborts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/config/registry.h"
#include "xsd/pipeline.pb.h"

namespace xsd {

class ReplayOracle;

class Pipeline {
 public:
  static absl::StatusOr<std::unique_ptr<Pipeline>> Create(const config::PipelineConfig& config,
                                                          const Registry& registry = Registry::Global());
  static absl::StatusOr<std::unique_ptr<Pipeline>> FromTextProto(const std::string& text,
                                                                 const std::string& source_name = "<text>");
  static absl::StatusOr<std::unique_ptr<Pipeline>> FromFile(const std::string& path);
  ~Pipeline();

  absl::StatusOr<GenerationResult> Generate(const Request& request);

  const config::PipelineConfig& config() const { return config_; }
  Verifier& target() { return *target_; }
  Drafter* drafter() { return drafter_.get(); }                // may be null
  Drafter* decode_drafter() { return decode_drafter_.get(); }  // may be null
  Scheduler& scheduler() { return *scheduler_; }
  const AcceptancePolicy& policy() const { return *policy_; }
  // The replay oracle of a noisy-oracle drafter over a real target (fill it
  // with the target's baseline outputs); null otherwise. With noisy-oracle
  // drafters in both phases, the first; SetReplay fills every one.
  ReplayOracle* replay_oracle() { return replay_oracles_.empty() ? nullptr : replay_oracles_.front(); }
  bool has_replay() const { return !replay_oracles_.empty(); }
  void SetReplay(const std::string& request_id, const std::vector<TokenId>& tokens);

 private:
  Pipeline() = default;
  config::PipelineConfig config_;
  // Destruction order: scheduler first (it borrows the rest).
  std::unique_ptr<Verifier> target_;
  std::unique_ptr<Drafter> drafter_;
  std::unique_ptr<Drafter> decode_drafter_;
  std::unique_ptr<AcceptancePolicy> policy_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<ReplayOracle*> replay_oracles_;  // owned by the drafters
};

// Parses a .pbtxt; errors carry "<source>:<line>:<column>".
absl::StatusOr<config::PipelineConfig> ParsePipelineConfig(const std::string& text, const std::string& source_name);
absl::StatusOr<config::PipelineConfig> LoadPipelineConfig(const std::string& path);

// Checks every field that can be checked without building components; the
// message names the field path ("scheduler.gamma: must be >= 0, got -2").
absl::Status ValidatePipelineConfig(const config::PipelineConfig& config);

// Scheduler options from the config (pipeline-level fields included).
SchedulerOptions SchedulerOptionsFromConfig(const config::PipelineConfig& config);

}  // namespace xsd
