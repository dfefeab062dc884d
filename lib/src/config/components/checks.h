// The checks and conversions every component factory of the config layer
// makes, written once: which options a component takes, dtypes, devices,
// checkpoint paths, tokenizers, the target's LM head. Errors name the config
// field ("drafter.eventgpt.checkpoint.path: required").
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "xsd/config/registry.h"
#include "xsd/models/kernel_options.h"
#include "xsd/pipeline.pb.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd::components {

// A oneof left unset means "defaults"; one set to another component's options
// is a configuration error.
template <typename Config>
absl::Status ExpectOptions(const Config& config, typename Config::OptionsCase expected, const std::string& field,
                           const std::string& options_name) {
  if (config.options_case() == Config::OPTIONS_NOT_SET || config.options_case() == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": '", config.name(), "' takes ", options_name,
                                                 " options; another component's options are set"));
}

// The component's dtype: its own when set, else the pipeline's (float32
// without a pipeline). `field` names the component in errors.
absl::StatusOr<c10::ScalarType> ComponentDtype(config::DType own, const BuildContext& ctx, const std::string& field);
// "cpu", "cuda" (device 0), "cuda:N".
absl::StatusOr<c10::Device> ParseDevice(const std::string& device, const std::string& field);
// The pipeline's numerics and kernel seams (defaults without a pipeline).
KernelOptions PipelineKernelOptions(const BuildContext& ctx);

// A checkpoint directory that must be given as a path (models without a
// random preset); `field` is the options' path ("target.video_llava").
absl::StatusOr<std::string> CheckpointPath(const config::CheckpointOptions& options, const std::string& field);
// The checkpoint's tokenizer.model. Not required: null when the directory
// (or `dir` itself) has none.
absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const std::string& dir, const std::string& field,
                                                                bool required);

// The target's LM head, through which adapters and heads draft: its device
// and dtype are theirs. `what` says who needs it ("adapter", "EAGLE").
absl::StatusOr<const at::Tensor*> TargetLmHead(const BuildContext& ctx, const std::string& what);

}  // namespace xsd::components
