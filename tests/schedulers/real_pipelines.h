// The real drafters of the scheduler tests, by kind, over the agreeable
// one-layer LLaMA target of real_models.h: the LLaMA drafter (the target's
// own weights or a perturbed copy), EAGLE (chains and trees), and the
// hidden-state heads B1, L5 (target states) and L5F (fused with a LLaMA
// drafter's states).
#pragma once

#include <memory>
#include <string>

#include "real_models.h"
#include "xsd/drafters/eagle_drafter.h"
#include "xsd/drafters/hidden_head_drafter.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/models/llama_verifier.h"
#include "xsd_catch.h"

namespace xsd::testing {

enum class RealDrafter { kLlama, kEagle, kB1, kL5, kL5F };
inline constexpr RealDrafter kRealDrafters[] = {RealDrafter::kLlama, RealDrafter::kEagle, RealDrafter::kB1,
                                                RealDrafter::kL5, RealDrafter::kL5F};

inline const char* RealDrafterName(RealDrafter kind) {
  switch (kind) {
    case RealDrafter::kLlama: return "llama";
    case RealDrafter::kEagle: return "eagle";
    case RealDrafter::kB1: return "B1";
    case RealDrafter::kL5: return "L5";
    case RealDrafter::kL5F: return "L5F";
  }
  return "?";
}

// The target and the drafters' models, built once per process and dtype
// (float32, or bf16: the same weights taken in bf16).
struct LlamaFamily {
  LlamaConfig config;
  std::unique_ptr<MapWeightSource> target_weights, drafter_weights;
  std::shared_ptr<const LlamaModel> target;   // agreeable (real_models.h)
  std::shared_ptr<const LlamaModel> drafter;  // the target's weights, perturbed

  static const LlamaFamily& Get(at::ScalarType dtype = at::kFloat) {
    auto make = [](at::ScalarType d) {
      auto* f = new LlamaFamily();
      f->config = OneLayerConfig();
      f->target_weights = InDtype(*AgreeableTargetWeights(f->config, 44, /*copy_bias=*/0.015), d);
      f->drafter_weights = Perturbed(*f->target_weights, 0.08, 42);
      f->target = LoadTiny(f->config, f->target_weights.get());
      f->drafter = LoadTiny(f->config, f->drafter_weights.get());
      return f;
    };
    if (dtype == at::kBFloat16) {
      static const LlamaFamily* bf16 = make(at::kBFloat16);
      return *bf16;
    }
    REQUIRE(dtype == at::kFloat);
    static const LlamaFamily* fp32 = make(at::kFloat);
    return *fp32;
  }
};

inline std::unique_ptr<LlamaVerifier> MakeLlamaVerifier(std::shared_ptr<const LlamaModel> model, int capacity) {
  LlamaSequenceOptions options;
  options.max_seq_len = capacity;
  auto verifier = LlamaVerifier::Create(std::move(model), options);
  INFO(verifier.status().ToString());
  REQUIRE(verifier.ok());
  return std::move(verifier).value();
}

// A LLaMA drafter over `model`; with hidden rows it is also a FeatureStream (L5F).
inline std::unique_ptr<LlamaDrafter> MakeLlamaDrafter(std::shared_ptr<const LlamaModel> model, int capacity,
                                                      bool hidden_rows) {
  LlamaSequenceOptions options;
  options.max_seq_len = capacity;
  options.name = "llama_drafter";
  LlamaDrafterExtras extras;
  extras.hidden_rows = hidden_rows;
  auto drafter = LlamaDrafter::CreateWithPromptEncoder(std::move(model), options,
                                                       MakeTextPromptEncoder(nullptr, "llama drafter"), std::move(extras));
  INFO(drafter.status().ToString());
  REQUIRE(drafter.ok());
  return std::move(drafter).value();
}

// A decode-phase drafter of `kind` over `target` (of the family in `dtype`;
// bf16: kLlama and kEagle, whose weights are the family's: the hidden-head
// adapters are float32).
// kLlama: over the target's own model when `exact`, else the perturbed copy.
// kL5F fuses the states of `stream` when given (borrowed: a two-phase
// pipeline's hiding drafter), else of a LLaMA drafter it owns.
inline std::unique_ptr<Drafter> MakeRealDrafter(RealDrafter kind, const Verifier* target, int capacity, bool exact,
                                                Drafter* stream = nullptr, at::ScalarType dtype = at::kFloat) {
  const LlamaFamily& f = LlamaFamily::Get(dtype);
  const AdapterDims dims = SmallAdapterDims(f.config.hidden_size);
  absl::StatusOr<std::unique_ptr<HiddenHeadDrafter>> head;
  switch (kind) {
    case RealDrafter::kLlama:
      return MakeLlamaDrafter(exact ? f.target : f.drafter, capacity, /*hidden_rows=*/false);
    case RealDrafter::kEagle: {
      auto eagle = EagleDrafter::Create(EagleHeadFromTargetLayer(f.config, *f.target_weights, capacity), target, capacity);
      INFO(eagle.status().ToString());
      REQUIRE(eagle.ok());
      return std::move(eagle).value();
    }
    case RealDrafter::kB1:
    case RealDrafter::kL5:
      head = HiddenHeadDrafter::Create(
          NearIdentityAdapter(kind == RealDrafter::kB1 ? AdapterKind::kB1 : AdapterKind::kL5, dims, 0.05, 51), target,
          HiddenHeadOptions{dims.max_positions});
      break;
    case RealDrafter::kL5F: {
      HiddenHeadStream source;
      if (stream != nullptr) {
        source.borrowed = stream;
      } else {
        source.owned = MakeLlamaDrafter(exact ? f.target : f.drafter, capacity, /*hidden_rows=*/true);
      }
      head = HiddenHeadDrafter::Create(NearIdentityAdapter(AdapterKind::kL5F, dims, 0.05, 52), target,
                                       HiddenHeadOptions{dims.max_positions}, std::move(source));
      break;
    }
  }
  INFO(head.status().ToString());
  REQUIRE(head.ok());
  return std::move(head).value();
}

}  // namespace xsd::testing
