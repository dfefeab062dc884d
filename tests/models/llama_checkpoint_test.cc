// Loading LLaMA checkpoints from safetensors files on disk: every layout,
// sharded checkpoints, and the error messages (tensor, file, shapes).
#include <ATen/ATen.h>

#include <fstream>

#include "io/io_test_util.h"
#include "llama_test_models.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

bool Contains(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

// The tiny test config as config.json (transformers-5 layout), optionally
// nested under text_config as a multimodal checkpoint writes it.
std::string ConfigJson(bool nested) {
  const std::string llama = R"({"vocab_size": 96, "hidden_size": 64, "intermediate_size": 160,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "tie_word_embeddings": false,
    "rope_parameters": {"rope_type": "default", "rope_theta": 500.0}})";
  return nested ? R"({"model_type": "video_llava", "text_config": )" + llama + "}" : llama;
}

// Writes `weights` renamed: prefix `from` -> `to` for every name.
void WriteCheckpointDir(const std::string& dir, const MapWeightSource& weights,
                        const std::vector<std::pair<std::string, std::string>>& renames, bool nested,
                        int64_t shard_bytes = int64_t{1} << 30) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, tensor] : weights.tensors()) {
    std::string stored = name;
    for (const auto& [from, to] : renames) {
      if (stored.rfind(from, 0) == 0) {
        stored = to + stored.substr(from.size());
        break;
      }
    }
    tensors.emplace_back(stored, tensor);
  }
  REQUIRE(WriteCheckpoint(dir, tensors, shard_bytes).ok());
  std::ofstream(dir + "/config.json") << ConfigJson(nested);
}

at::Tensor Logits(const LlamaModel& model) {
  auto cache = testing::MakeCache(model, 16);
  LlamaInput input;
  input.tokens = *TokensTensor({1, 5, 9, 33, 70}, model.device());
  input.positions = *PositionRange(0, 5, model.device());
  auto out = model.Forward(input, cache.get());
  REQUIRE(out.ok());
  return out->logits;
}

TEST_CASE("LLaMA loads from LlamaForCausalLM, Video-LLaVA hub and transformers-5 multimodal layouts",
          "[models][checkpoint]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 21);
  const at::Tensor expected = Logits(*m.model);
  struct Layout {
    const char* name;
    std::vector<std::pair<std::string, std::string>> renames;
    bool nested;
  };
  const std::vector<Layout> layouts = {
      {"causal lm", {}, false},
      {"video-llava hub", {{"model.", "language_model.model."}, {"lm_head.", "language_model.lm_head."}}, true},
      {"transformers-5 in memory", {{"model.", "model.language_model."}}, true},
  };
  for (const Layout& layout : layouts) {
    INFO(layout.name);
    testing::ScratchDir dir("models");
    WriteCheckpointDir(dir.path(), *m.weights, layout.renames, layout.nested);
    LlamaLoadOptions options;
    options.checkpoint = dir.path();
    auto model = LoadLlamaCheckpoint(options);
    INFO(model.status().ToString());
    REQUIRE(model.ok());
    CHECK((*model)->config().num_kv_heads == 2);
    CHECK(at::equal(Logits(**model), expected));
  }
}

TEST_CASE("Sharded checkpoints load; a missing tensor names every shard searched", "[models][checkpoint]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 22);
  testing::ScratchDir dir("models");
  WriteCheckpointDir(dir.path(), *m.weights, {}, false, /*shard_bytes=*/64 * 1024);
  REQUIRE(std::ifstream(dir.File("model.safetensors.index.json")).good());
  LlamaLoadOptions options;
  options.checkpoint = dir.path();
  auto model = LoadLlamaCheckpoint(options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  CHECK(at::equal(Logits(**model), Logits(*m.model)));

  WeightSourceOptions source_options;
  auto source = CheckpointWeightSource::Open(dir.path(), source_options);
  REQUIRE(source.ok());
  auto missing = (*source)->Take("model.layers.7.mlp.up_proj.weight", {160, 64});
  INFO(missing.status().ToString());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(Contains(missing.status(), "'model.layers.7.mlp.up_proj.weight'"));
  CHECK(Contains(missing.status(), "model-00001-of-"));
  CHECK(Contains(missing.status(), "model-00002-of-"));
}

TEST_CASE("A mis-shaped tensor on disk names its file, the tensor and both shapes", "[models][checkpoint]") {
  auto m = testing::MakeTinyModel(testing::TinyConfig(), 23);
  m.weights->Set("model.layers.1.self_attn.o_proj.weight", at::zeros({64, 60}));
  testing::ScratchDir dir("models");
  WriteCheckpointDir(dir.path(), *m.weights, {}, false);
  LlamaLoadOptions options;
  options.checkpoint = dir.path();
  auto model = LoadLlamaCheckpoint(options);
  REQUIRE_FALSE(model.ok());
  INFO(model.status().ToString());
  CHECK(model.status().message() == dir.path() + "/model.safetensors: tensor 'model.layers.1.self_attn.o_proj.weight'"
                                    ": shape [64, 60], expected [64, 64]");
}

TEST_CASE("Unexpected tensors in a checkpoint fail the load unless ignored", "[models][checkpoint]") {
  auto m = testing::MakeTinyModel(testing::TinyConfig(), 24);
  m.weights->Set("model.layers.0.self_attn.rotary_emb.inv_freq", at::zeros({8}));  // old checkpoints: ignored
  m.weights->Set("image_tower.encoder.layers.0.weight", at::zeros({4}));
  testing::ScratchDir dir("models");
  WriteCheckpointDir(dir.path(), *m.weights, {}, false);
  LlamaLoadOptions options;
  options.checkpoint = dir.path();
  auto strict = LoadLlamaCheckpoint(options);
  REQUIRE_FALSE(strict.ok());
  INFO(strict.status().ToString());
  CHECK(Contains(strict.status(), "1 unexpected tensor(s) nobody loaded: image_tower.encoder.layers.0.weight"));
  options.unexpected.ignore_prefixes = {"image_tower."};
  CHECK(LoadLlamaCheckpoint(options).ok());
}

TEST_CASE("Loading converts to the requested dtype", "[models][checkpoint]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 25);
  testing::ScratchDir dir("models");
  WriteCheckpointDir(dir.path(), *m.weights, {}, false);
  LlamaLoadOptions options;
  options.checkpoint = dir.path();
  options.dtype = at::kBFloat16;
  auto model = LoadLlamaCheckpoint(options);
  REQUIRE(model.ok());
  CHECK((*model)->dtype() == at::kBFloat16);
  CHECK((*model)->lm_head_weight().scalar_type() == at::kBFloat16);
  const at::Tensor logits = Logits(**model);
  CHECK(logits.scalar_type() == at::kBFloat16);
  // bf16 keeps ~3 significant digits: the logits stay close to fp32's.
  CHECK((logits.to(at::kFloat) - Logits(*m.model)).abs().max().item<float>() < 0.25f);
}

}  // namespace
}  // namespace xsd
