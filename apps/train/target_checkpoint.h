// What the trainers of adapters and heads read from the target's checkpoint.
#pragma once

#include <string>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/models/llama_config.h"

namespace xsd::train {

// The target's LM head [vocab, d] as float32 on `device` (Video-LLaVA's or a
// plain LLaMA's layout; a tied checkpoint's embedding table).
absl::StatusOr<at::Tensor> TargetLmHead(const std::string& checkpoint, const c10::Device& device);

// The target's LLaMA config (a multimodal config's text_config).
absl::StatusOr<LlamaConfig> TargetLlamaConfig(const std::string& checkpoint);

// --device: "cpu", "cuda", "cuda:N".
absl::StatusOr<c10::Device> ParseDevice(const std::string& text);

}  // namespace xsd::train
