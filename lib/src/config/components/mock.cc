// The mock models of the registry: scripted language models as target and
// drafter, and the noisy-oracle drafter (planted acceptance).
#include "absl/strings/str_cat.h"
#include "components/checks.h"
#include "components/components.h"
#include "xsd/base/status.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/mock/mock_verifier.h"

namespace xsd::components {
namespace {

ScriptedLmOptions FromConfig(const config::ScriptedLmOptions& c) {
  ScriptedLmOptions o;
  o.vocab_size = c.vocab_size();
  o.seed = c.seed();
  o.sharpness = c.sharpness();
  o.logit_levels = c.logit_levels();
  o.eos_token = c.eos_token();
  o.max_seq_len = c.max_seq_len();
  o.prefill_ms = c.prefill_ms();
  o.prefill_ms_per_token = c.prefill_ms_per_token();
  o.step_ms = c.step_ms();
  o.step_ms_per_extra_token = c.step_ms_per_extra_token();
  o.default_prompt_tokens = c.default_prompt_tokens();
  o.noise = c.noise();
  o.noise_seed = c.noise_seed();
  return o;
}

NoisyOracleOptions FromConfig(const config::NoisyOracleOptions& c) {
  NoisyOracleOptions o;
  o.agreement = c.agreement();
  o.seed = c.seed();
  o.step_ms = c.step_ms();
  o.prefill_ms = c.prefill_ms();
  return o;
}

absl::StatusOr<BuiltVerifier> CreateScriptedVerifier(const config::VerifierConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::VerifierConfig::kScripted, ctx.field, "scripted"));
  XSD_ASSIGN_OR_RETURN(auto verifier, MockVerifier::Create(FromConfig(c.scripted())));
  const ScriptedLm* lm = &verifier->lm();
  BuiltVerifier built;
  built.verifier = std::move(verifier);
  built.make_oracle = [lm] { return MakeScriptedOracle(lm); };
  return built;
}

absl::StatusOr<std::unique_ptr<Drafter>> CreateScriptedDrafter(const config::DrafterConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kScripted, ctx.field, "scripted"));
  XSD_ASSIGN_OR_RETURN(auto drafter, ScriptedDrafter::Create(FromConfig(c.scripted())));
  return std::unique_ptr<Drafter>(std::move(drafter));
}

absl::StatusOr<std::unique_ptr<Drafter>> CreateNoisyOracle(const config::DrafterConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kNoisyOracle, ctx.field, "noisy_oracle"));
  if (!ctx.target_oracle) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.field, ": no oracle of the target to plant acceptance from"));
  }
  XSD_ASSIGN_OR_RETURN(auto drafter,
                       NoisyOracleDrafter::Create(FromConfig(c.noisy_oracle()), ctx.target_oracle(), ctx.target->info()));
  return std::unique_ptr<Drafter>(std::move(drafter));
}

}  // namespace

void RegisterMockComponents(Registry& r) {
  CheckRegistered(r.RegisterVerifier("scripted", CreateScriptedVerifier));
  CheckRegistered(r.RegisterDrafter("scripted", CreateScriptedDrafter));
  CheckRegistered(r.RegisterDrafter("noisy_oracle", CreateNoisyOracle));
}

}  // namespace xsd::components
