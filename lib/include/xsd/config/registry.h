// The one component registry of libxsd. Components are created by their
// registered name from the typed config of proto/xsd/pipeline.proto. All
// built-in components are registered in one place
// (src/config/builtin_components.cc); programs may register their own before
// building pipelines. Unknown names are answered with the list of known ones.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/acceptance.h"
#include "xsd/core/adapter.h"
#include "xsd/core/drafter.h"
#include "xsd/core/scheduler.h"
#include "xsd/core/verifier.h"
#include "xsd/pipeline.pb.h"

namespace xsd {

class Oracle;

// A verifier may offer an oracle of itself (what it would emit greedily),
// used by the noisy-oracle drafter to plant acceptance.
struct BuiltVerifier {
  std::unique_ptr<Verifier> verifier;
  std::function<std::unique_ptr<Oracle>()> make_oracle;  // empty when none
};

// What a factory can see of the pipeline being built.
struct BuildContext {
  const config::PipelineConfig* pipeline = nullptr;  // not owned
  Verifier* target = nullptr;                        // not owned
  Drafter* drafter = nullptr;                        // not owned: the prefill-phase drafter, once built
  // What the target would emit greedily, for drafters with planted
  // acceptance: the target's own oracle (BuiltVerifier::make_oracle), else
  // one the pipeline fills with the target's recorded outputs
  // (Pipeline::SetReplay). Empty outside a pipeline.
  std::function<std::unique_ptr<Oracle>()> target_oracle;
  std::string field;                                 // config path of the component, for errors
};

struct SchedulerParts {
  Verifier* target = nullptr;                // not owned
  Drafter* drafter = nullptr;                // not owned; may be null
  Drafter* decode_drafter = nullptr;         // not owned; may be null
  const AcceptancePolicy* policy = nullptr;  // not owned
  SchedulerOptions options;
};

class Registry {
 public:
  using VerifierFactory = std::function<absl::StatusOr<BuiltVerifier>(const config::VerifierConfig&, BuildContext&)>;
  using DrafterFactory = std::function<absl::StatusOr<std::unique_ptr<Drafter>>(const config::DrafterConfig&, BuildContext&)>;
  using AdapterFactory = std::function<absl::StatusOr<std::unique_ptr<Adapter>>(const config::AdapterConfig&, BuildContext&)>;
  using SchedulerFactory = std::function<absl::StatusOr<std::unique_ptr<Scheduler>>(const config::SchedulerConfig&, const SchedulerParts&)>;
  using AcceptanceFactory = std::function<absl::StatusOr<std::unique_ptr<AcceptancePolicy>>(const config::AcceptanceConfig&)>;

  // The process-wide registry, with every built-in component registered.
  static Registry& Global();

  // AlreadyExists when the name is taken.
  absl::Status RegisterVerifier(const std::string& name, VerifierFactory factory);
  absl::Status RegisterDrafter(const std::string& name, DrafterFactory factory);
  absl::Status RegisterAdapter(const std::string& name, AdapterFactory factory);
  absl::Status RegisterScheduler(const std::string& name, SchedulerFactory factory);
  absl::Status RegisterAcceptance(const std::string& name, AcceptanceFactory factory);

  // `field` is the config path used in errors ("target", "decode_drafter").
  absl::StatusOr<BuiltVerifier> CreateVerifier(const config::VerifierConfig& config, BuildContext& context) const;
  absl::StatusOr<std::unique_ptr<Drafter>> CreateDrafter(const config::DrafterConfig& config, BuildContext& context) const;
  absl::StatusOr<std::unique_ptr<Adapter>> CreateAdapter(const config::AdapterConfig& config, BuildContext& context) const;
  absl::StatusOr<std::unique_ptr<Scheduler>> CreateScheduler(const config::SchedulerConfig& config, const SchedulerParts& parts) const;
  absl::StatusOr<std::unique_ptr<AcceptancePolicy>> CreateAcceptance(const config::AcceptanceConfig& config) const;

  std::vector<std::string> VerifierNames() const;
  std::vector<std::string> DrafterNames() const;
  std::vector<std::string> AdapterNames() const;
  std::vector<std::string> SchedulerNames() const;
  std::vector<std::string> AcceptanceNames() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, VerifierFactory> verifiers_;
  std::map<std::string, DrafterFactory> drafters_;
  std::map<std::string, AdapterFactory> adapters_;
  std::map<std::string, SchedulerFactory> schedulers_;
  std::map<std::string, AcceptanceFactory> acceptances_;
};

// Registers every built-in component (src/config/builtin_components.cc).
void RegisterBuiltinComponents(Registry& registry);

}  // namespace xsd
