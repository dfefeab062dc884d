#include "components/checks.h"

#include <fstream>

#include <ATen/core/Tensor.h>

#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/config/kernel_config.h"

namespace xsd::components {

absl::StatusOr<c10::ScalarType> ComponentDtype(config::DType own, const BuildContext& ctx, const std::string& field) {
  const config::DType dtype =
      own != config::DTYPE_UNSPECIFIED ? own : (ctx.pipeline != nullptr ? ctx.pipeline->dtype() : config::FLOAT32);
  switch (dtype) {
    case config::FLOAT32: return c10::ScalarType::Float;
    case config::BFLOAT16: return c10::ScalarType::BFloat16;
    case config::FLOAT16: return c10::ScalarType::Half;
    default: break;
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ".dtype: unsupported value ", static_cast<int>(dtype)));
}

absl::StatusOr<c10::Device> ParseDevice(const std::string& device, const std::string& field) {
  return TorchCall(absl::StrCat(field, ": device '", device, "'"), [&]() -> absl::StatusOr<c10::Device> {
    return c10::Device(device == "cuda" ? std::string("cuda:0") : device);
  });
}

KernelOptions PipelineKernelOptions(const BuildContext& ctx) {
  return ctx.pipeline != nullptr ? KernelOptionsFromConfig(*ctx.pipeline) : KernelOptions();
}

absl::StatusOr<std::string> CheckpointPath(const config::CheckpointOptions& options, const std::string& field) {
  if (!options.path().empty()) return options.path();
  if (!options.random_preset().empty()) {
    return absl::UnimplementedError(absl::StrCat(field, ".checkpoint.random_preset: not supported for this model; ",
                                                 "write one with `xsd_make_checkpoint --preset ... --out DIR` and set ",
                                                 field, ".checkpoint.path"));
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ".checkpoint.path: required"));
}

absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const std::string& dir, const std::string& field,
                                                                bool required) {
  if (!required && (dir.empty() || !std::ifstream(dir + "/tokenizer.model").good())) return nullptr;
  absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::Load(dir);
  if (!tokenizer.ok()) {
    return Annotate(tokenizer.status(), absl::StrCat(field, ".checkpoint.path: the checkpoint's tokenizer"));
  }
  return std::shared_ptr<const Tokenizer>(std::move(tokenizer).value());
}

absl::StatusOr<const at::Tensor*> TargetLmHead(const BuildContext& ctx, const std::string& what) {
  const TargetFeatures* features = ctx.target != nullptr ? ctx.target->features() : nullptr;
  if (features == nullptr || features->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(ctx.field, ": the target '",
                                                      ctx.target != nullptr ? ctx.target->info().name : "?",
                                                      "' exposes no LM head for the ", what));
  }
  return features->lm_head();
}

}  // namespace xsd::components
