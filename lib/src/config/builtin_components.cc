// Every built-in component of libxsd is registered here, and only here.
#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/adapters/adapter_components.h"
#include "xsd/config/registry.h"
#include "xsd/drafters/drafter_components.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"
#include "xsd/models/llama_components.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd/vision/vision_components.h"

namespace xsd {
namespace {

// A oneof left unset means "defaults"; one set to another component's options
// is a configuration error.
template <typename Config>
absl::Status ExpectOptions(const Config& config, typename Config::OptionsCase expected, const std::string& field,
                           const std::string& options_name) {
  if (config.options_case() == Config::OPTIONS_NOT_SET || config.options_case() == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": '", config.name(), "' takes ", options_name,
                                                 " options; another component's options are set"));
}

void Check(const absl::Status& s) {
  if (!s.ok()) std::abort();  // duplicate built-in name: a programming error caught by every test
}

}  // namespace

void RegisterBuiltinComponents(Registry& r) {
  // ---- verifiers
  Check(r.RegisterVerifier("scripted", [](const config::VerifierConfig& c, BuildContext& ctx) -> absl::StatusOr<BuiltVerifier> {
    XSD_RETURN_IF_ERROR(ExpectOptions(c, config::VerifierConfig::kScripted, ctx.field, "scripted"));
    XSD_ASSIGN_OR_RETURN(auto verifier, MockVerifier::Create(c.scripted()));
    const ScriptedLm* lm = &verifier->lm();
    BuiltVerifier built;
    built.verifier = std::move(verifier);
    built.make_oracle = [lm] { return MakeScriptedOracle(lm); };
    return built;
  }));

  Check(r.RegisterVerifier("llama", [](const config::VerifierConfig& c, BuildContext& ctx) -> absl::StatusOr<BuiltVerifier> {
    XSD_RETURN_IF_ERROR(ExpectOptions(c, config::VerifierConfig::kLlama, ctx.field, "llama"));
    XSD_ASSIGN_OR_RETURN(auto verifier, MakeLlamaVerifier(c, ctx.pipeline->dtype(), ctx.field));
    BuiltVerifier built;
    built.verifier = std::move(verifier);
    return built;
  }));

  // ---- drafters
  Check(r.RegisterDrafter("scripted", [](const config::DrafterConfig& c, BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Drafter>> {
    XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kScripted, ctx.field, "scripted"));
    XSD_ASSIGN_OR_RETURN(auto drafter, ScriptedDrafter::Create(c.scripted()));
    return std::unique_ptr<Drafter>(std::move(drafter));
  }));
  Check(r.RegisterDrafter("noisy_oracle", [](const config::DrafterConfig& c, BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Drafter>> {
    XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kNoisyOracle, ctx.field, "noisy_oracle"));
    std::unique_ptr<Oracle> oracle;
    if (ctx.target_oracle) {
      oracle = ctx.target_oracle();
    } else {
      auto replay = std::make_unique<ReplayOracle>();
      ctx.replay_oracles.push_back(replay.get());
      oracle = std::move(replay);
    }
    XSD_ASSIGN_OR_RETURN(auto drafter, NoisyOracleDrafter::Create(c.noisy_oracle(), std::move(oracle), ctx.target->info()));
    return std::unique_ptr<Drafter>(std::move(drafter));
  }));

  Check(r.RegisterDrafter("llama", [](const config::DrafterConfig& c, BuildContext& ctx) -> absl::StatusOr<std::unique_ptr<Drafter>> {
    XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kLlama, ctx.field, "llama"));
    XSD_ASSIGN_OR_RETURN(auto drafter, MakeLlamaDrafter(c, ctx.pipeline->dtype(), ctx.field));
    return std::unique_ptr<Drafter>(std::move(drafter));
  }));

  // ---- multimodal models: "video_llava" verifier, "eventgpt" drafter (src/vision/vision_components.cc)
  RegisterVisionComponents(r);
  RegisterAdapterComponents(r);
  RegisterDrafterComponents(r);

  // ---- acceptance
  Check(r.RegisterAcceptance("greedy", [](const config::AcceptanceConfig&) -> absl::StatusOr<std::unique_ptr<AcceptancePolicy>> {
    return MakeGreedyAcceptance();
  }));
  Check(r.RegisterAcceptance("stochastic", [](const config::AcceptanceConfig& c) -> absl::StatusOr<std::unique_ptr<AcceptancePolicy>> {
    SamplingParams p;
    p.temperature = c.temperature();
    p.top_p = c.top_p();
    return MakeStochasticAcceptance(p);
  }));

  // ---- schedulers
  Check(r.RegisterScheduler("autoregressive", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakeAutoregressiveScheduler(p.target, p.policy, p.options);
  }));
  Check(r.RegisterScheduler("speculative", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakeSpeculativeScheduler(p.target, p.drafter, p.policy, p.options);
  }));
  Check(r.RegisterScheduler("prefill_hiding", [](const config::SchedulerConfig&, const SchedulerParts& p) {
    return MakePrefillHidingScheduler(p.target, p.drafter, p.decode_drafter, p.policy, p.options);
  }));
}

}  // namespace xsd
