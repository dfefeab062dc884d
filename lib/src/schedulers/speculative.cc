#include "generation_state.h"
#include "xsd/base/status.h"
#include "xsd/schedulers/schedulers.h"

namespace xsd {
namespace {

class SpeculativeScheduler final : public Scheduler {
 public:
  SpeculativeScheduler(Verifier* target, Drafter* drafter, const AcceptancePolicy* policy,
                       const SchedulerOptions& options)
      : target_(target), drafter_(drafter), policy_(policy), options_(options) {}

  const std::string& name() const override { return name_; }

  absl::StatusOr<GenerationResult> Generate(const Request& request) override {
    GenerationResult result;
    internal::GenerationState state(request, options_, target_->info(), &result);
    XSD_RETURN_IF_ERROR(internal::PrefillTarget(state, *target_, *policy_, request).status());
    const bool drafting = options_.gamma > 0 || options_.tree.has_value();
    if (drafting && !state.done()) {
      DraftContext context{&request, policy_->sampling(), state.drafter_seed()};
      XSD_RETURN_IF_ERROR(internal::BeginDrafter(state, *drafter_, context));
      XSD_RETURN_IF_ERROR(internal::NotifyDrafter(*drafter_, *target_, result.tokens, {}));
    }
    XSD_RETURN_IF_ERROR(internal::DecodeRounds(state, *target_, *policy_, drafting ? drafter_ : nullptr, options_));
    state.Close();
    return result;
  }

 private:
  Verifier* target_;                // not owned
  Drafter* drafter_;                // not owned
  const AcceptancePolicy* policy_;  // not owned
  SchedulerOptions options_;
  std::string name_ = "speculative";
};

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeSpeculativeScheduler(Verifier* target, Drafter* drafter,
                                                                    const AcceptancePolicy* policy,
                                                                    const SchedulerOptions& options) {
  if (target == nullptr || policy == nullptr) return absl::InvalidArgumentError("speculative: missing target or policy");
  XSD_RETURN_IF_ERROR(internal::ValidateOptions(options));
  if (drafter == nullptr) return absl::InvalidArgumentError("drafter: the speculative scheduler needs a drafter");
  XSD_RETURN_IF_ERROR(internal::CheckDrafterFits(*drafter, *target, *policy, options, "drafter"));
  return std::unique_ptr<Scheduler>(new SpeculativeScheduler(target, drafter, policy, options));
}

}  // namespace xsd
