// The three schedulers of libxsd. Each returns a Scheduler that borrows its
// models and policy (non-owning pointers; they must outlive the scheduler).
//
//  - Autoregressive: target prefill, then one target forward per token.
//  - Speculative (decode phase): target prefill; then rounds of draft
//    (gamma tokens or a tree) -> one batched verify -> accept -> roll back.
//  - PrefillHiding (cross-modal): the drafter prefills and drafts on its own
//    thread while the target prefills; the drafts finished by then are
//    verified in one batch; later rounds use `decode_drafter` (or the same
//    drafter when it is null, or plain decoding when gamma == 0). Without
//    decode-phase drafting, a lane still in its prefill when the target's is
//    done finishes in the background after Generate returns: the hiding
//    drafter stays in use until the scheduler's next Generate or its
//    destruction (both join the lane), and nothing else may use that drafter
//    meanwhile.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "xsd/core/acceptance.h"
#include "xsd/core/drafter.h"
#include "xsd/core/scheduler.h"
#include "xsd/core/verifier.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<Scheduler>> MakeAutoregressiveScheduler(Verifier* target,
                                                                       const AcceptancePolicy* policy,
                                                                       const SchedulerOptions& options);

absl::StatusOr<std::unique_ptr<Scheduler>> MakeSpeculativeScheduler(Verifier* target, Drafter* drafter,
                                                                    const AcceptancePolicy* policy,
                                                                    const SchedulerOptions& options);

absl::StatusOr<std::unique_ptr<Scheduler>> MakePrefillHidingScheduler(Verifier* target, Drafter* hiding_drafter,
                                                                      Drafter* decode_drafter,
                                                                      const AcceptancePolicy* policy,
                                                                      const SchedulerOptions& options);

}  // namespace xsd
