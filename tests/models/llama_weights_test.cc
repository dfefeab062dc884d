// Weight sources and loading errors: every message names the tensor, the
// file and the shapes.
#include <ATen/ATen.h>

#include "llama_test_models.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_model.h"
#include "xsd/models/weights_loading.h"
#include "xsd/models/weights_map.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

bool Contains(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

std::unique_ptr<MapWeightSource> TinyWeights(const LlamaConfig& config, const WeightSourceOptions& options = {},
                                             const LlamaWeightNames& names = {}) {
  auto w = RandomLlamaWeights(config, 1, options, names);
  REQUIRE(w.ok());
  return std::move(w).value();
}

TEST_CASE("A missing tensor is NotFound naming it, its aliases and the files searched", "[models][weights]") {
  const LlamaConfig config = testing::TinyConfig();
  auto weights = TinyWeights(config);
  weights->Erase("model.layers.1.mlp.up_proj.weight");
  auto model = LlamaModel::Load(config, weights.get());
  REQUIRE_FALSE(model.ok());
  INFO(model.status().ToString());
  CHECK(model.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(model.status(), "'model.layers.1.mlp.up_proj.weight'"));
  CHECK(Contains(model.status(), "<random llama, seed 1>"));

  WeightSourceOptions with_aliases;
  with_aliases.aliases = LlamaLayoutAliases();
  MapWeightSource empty(with_aliases, "ckpt/model.safetensors");
  auto missing = empty.Take("model.norm.weight", {64});
  INFO(missing.status().ToString());
  CHECK(Contains(missing.status(), "also tried 'language_model.model.norm.weight', 'model.language_model.norm.weight'"));
  CHECK(Contains(missing.status(), "searched: ckpt/model.safetensors"));
}

TEST_CASE("A mis-shaped tensor names the file, the tensor and both shapes", "[models][weights]") {
  const LlamaConfig config = testing::TinyConfig();
  auto weights = TinyWeights(config);
  weights->Set("model.layers.0.self_attn.k_proj.weight", at::zeros({48, 64}));
  auto model = LlamaModel::Load(config, weights.get());
  REQUIRE_FALSE(model.ok());
  INFO(model.status().ToString());
  CHECK(model.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(model.status().message() ==
        "<random llama, seed 1>: tensor 'model.layers.0.self_attn.k_proj.weight': shape [48, 64], expected [32, 64]");
}

TEST_CASE("Unexpected tensors are an error or a warning by policy; ignored prefixes and suffixes pass",
          "[models][weights]") {
  const LlamaConfig config = testing::TinyConfig();
  auto weights = TinyWeights(config);
  weights->Set("model.layers.0.self_attn.rotary_emb.inv_freq", at::zeros({8}));
  weights->Set("video_tower.embeddings.weight", at::zeros({2}));
  weights->Set("model.layers.0.extra.weight", at::zeros({2}));
  REQUIRE(LlamaModel::Load(config, weights.get()).ok());
  CHECK(weights->Untaken() == std::vector<std::string>({"model.layers.0.extra.weight",
                                                        "model.layers.0.self_attn.rotary_emb.inv_freq",
                                                        "video_tower.embeddings.weight"}));
  UnexpectedWeightsPolicy policy;
  policy.ignore_prefixes = {"video_tower."};
  absl::Status s = CheckUnexpectedWeights(*weights, policy, "tiny llama");
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(s.message() == "tiny llama: 1 unexpected tensor(s) nobody loaded: model.layers.0.extra.weight");
  policy.fail = false;
  CHECK(CheckUnexpectedWeights(*weights, policy, "tiny llama").ok());
  weights->Erase("model.layers.0.extra.weight");
  policy.fail = true;
  CHECK(CheckUnexpectedWeights(*weights, policy, "tiny llama").ok());
}

TEST_CASE("Aliases load the hub and transformers-5 multimodal layouts with the same names", "[models][weights]") {
  const LlamaConfig config = testing::TinyConfig();
  WeightSourceOptions options;
  options.aliases = LlamaLayoutAliases();
  // Stored the way Video-LLaVA's hub checkpoint stores its LLM.
  LlamaWeightNames hub;
  hub.decoder_prefix = "language_model.model.";
  hub.lm_head = "language_model.lm_head.weight";
  auto stored_hub = TinyWeights(config, options, hub);
  auto from_hub = LlamaModel::Load(config, stored_hub.get());  // asks for model.* and lm_head.weight
  INFO(from_hub.status().ToString());
  REQUIRE(from_hub.ok());
  CHECK(stored_hub->Untaken().empty());
  CHECK(stored_hub->Resolve("model.norm.weight") == "language_model.model.norm.weight");
  // Stored under transformers 5's in-memory names.
  LlamaWeightNames v5;
  v5.decoder_prefix = "model.language_model.";
  auto stored_v5 = TinyWeights(config, options, v5);
  auto from_v5 = LlamaModel::Load(config, stored_v5.get());
  REQUIRE(from_v5.ok());
  CHECK(stored_v5->Untaken().empty());
  // Same seed, same draws: identical weights, whatever the names.
  CHECK(at::equal((*from_hub)->lm_head_weight(), (*from_v5)->lm_head_weight()));
}

TEST_CASE("Take converts dtype; a tied model shares the embedding as its head", "[models][weights]") {
  LlamaConfig config = testing::TinyConfig();
  config.tie_word_embeddings = true;
  WeightSourceOptions f64;
  f64.dtype = at::kDouble;
  auto weights = TinyWeights(config, f64);
  CHECK_FALSE(weights->Has("lm_head.weight"));
  auto model = LlamaModel::Load(config, weights.get());
  REQUIRE(model.ok());
  CHECK((*model)->dtype() == at::kDouble);
  CHECK((*model)->embed_weight().scalar_type() == at::kDouble);
  CHECK((*model)->lm_head_weight().data_ptr() == (*model)->embed_weight().data_ptr());
  CHECK((*model)->rope().cos_table().scalar_type() == at::kDouble);
}

}  // namespace
}  // namespace xsd
