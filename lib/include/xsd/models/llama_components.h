// The "llama" verifier and drafter of the registry, built from their
// pipeline options (config::LlamaOptions). Registered in
// src/config/builtin_components.cc.
//
// A verifier and a drafter that name the same checkpoint, device and dtype
// share one immutable LlamaModel (weights are loaded once).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/pipeline.pb.h"

namespace xsd {

// `device` is the component's device string; `pipeline_dtype` applies when
// options.dtype is unspecified; `field` prefixes errors ("target.llama").
absl::StatusOr<std::shared_ptr<const LlamaModel>> LoadLlamaModel(const config::LlamaOptions& options,
                                                                 const std::string& device,
                                                                 config::DType pipeline_dtype,
                                                                 const std::string& field);

absl::StatusOr<std::unique_ptr<LlamaVerifier>> MakeLlamaVerifier(const config::VerifierConfig& config,
                                                                  config::DType pipeline_dtype,
                                                                  const std::string& field);
absl::StatusOr<std::unique_ptr<LlamaDrafter>> MakeLlamaDrafter(const config::DrafterConfig& config,
                                                                config::DType pipeline_dtype,
                                                                const std::string& field);

}  // namespace xsd
