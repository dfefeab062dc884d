// Every built-in component of libxsd is registered here, and only here: the
// model families (components/*.cc), the acceptance policies and the
// schedulers.
#include <cstdlib>

#include "components/components.h"
#include "xsd/core/acceptance.h"
#include "xsd/schedulers/schedulers.h"

namespace xsd {

namespace components {
void CheckRegistered(const absl::Status& status) {
  if (!status.ok()) std::abort();  // a duplicate built-in name: a programming error caught by every test
}
}  // namespace components

void RegisterBuiltinComponents(Registry& r) {
  using components::CheckRegistered;
  components::RegisterMockComponents(r);
  components::RegisterLlamaComponents(r);
  components::RegisterVisionComponents(r);
  components::RegisterAdapterComponents(r);
  components::RegisterEagleComponents(r);

  CheckRegistered(r.RegisterAcceptance("greedy", [](const config::AcceptanceConfig&)
                                                     -> absl::StatusOr<std::unique_ptr<AcceptancePolicy>> {
    return MakeGreedyAcceptance();
  }));
  CheckRegistered(r.RegisterAcceptance("stochastic", [](const config::AcceptanceConfig& c)
                                                         -> absl::StatusOr<std::unique_ptr<AcceptancePolicy>> {
    SamplingParams p;
    p.temperature = c.temperature();
    p.top_p = c.top_p();
    return MakeStochasticAcceptance(p);
  }));

  CheckRegistered(r.RegisterScheduler("autoregressive", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakeAutoregressiveScheduler(p.target, p.policy, p.options);
  }));
  CheckRegistered(r.RegisterScheduler("speculative", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakeSpeculativeScheduler(p.target, p.drafter, p.policy, p.options);
  }));
  CheckRegistered(r.RegisterScheduler("prefill_hiding", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakePrefillHidingScheduler(p.target, p.drafter, p.decode_drafter, p.policy, p.options);
  }));
}

}  // namespace xsd
