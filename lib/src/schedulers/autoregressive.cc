#include "generation_state.h"
#include "xsd/base/status.h"
#include "xsd/schedulers/schedulers.h"

namespace xsd {
namespace {

class AutoregressiveScheduler final : public Scheduler {
 public:
  AutoregressiveScheduler(Verifier* target, const AcceptancePolicy* policy, const SchedulerOptions& options)
      : target_(target), policy_(policy), options_(options) {}

  const std::string& name() const override { return name_; }

  absl::StatusOr<GenerationResult> Generate(const Request& request) override {
    GenerationResult result;
    internal::GenerationState state(request, options_, target_->info(), &result);
    XSD_RETURN_IF_ERROR(internal::PrefillTarget(state, *target_, *policy_, request).status());
    XSD_RETURN_IF_ERROR(internal::DecodeRounds(state, *target_, *policy_, nullptr, options_));
    state.Close();
    return result;
  }

 private:
  Verifier* target_;                // not owned
  const AcceptancePolicy* policy_;  // not owned
  SchedulerOptions options_;
  std::string name_ = "autoregressive";
};

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeAutoregressiveScheduler(Verifier* target,
                                                                       const AcceptancePolicy* policy,
                                                                       const SchedulerOptions& options) {
  if (target == nullptr || policy == nullptr) return absl::InvalidArgumentError("autoregressive: missing target or policy");
  XSD_RETURN_IF_ERROR(internal::ValidateOptions(options));
  return std::unique_ptr<Scheduler>(new AutoregressiveScheduler(target, policy, options));
}

}  // namespace xsd
