// The config layer's component factories, by family: each registers its
// components with the registry, translating their proto options
// (proto/xsd/pipeline.proto) into the components' plain C++ options. Called
// from RegisterBuiltinComponents (builtin.cc), the one place where built-in
// components are registered.
#pragma once

#include "xsd/config/registry.h"

namespace xsd::components {

void RegisterMockComponents(Registry& registry);     // "scripted" verifier and drafter, "noisy_oracle"
void RegisterLlamaComponents(Registry& registry);    // "llama" verifier and drafter
void RegisterVisionComponents(Registry& registry);   // "video_llava" verifier, "eventgpt" drafter
void RegisterAdapterComponents(Registry& registry);  // adapters "identity", "L1" ... "L5F"; "hidden_head" drafter
void RegisterEagleComponents(Registry& registry);    // "eagle" drafter

// A duplicate built-in name is a programming error that every test catches.
void CheckRegistered(const absl::Status& status);

}  // namespace xsd::components
