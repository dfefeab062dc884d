// The "llama" verifier and drafter built from a .pbtxt through the one
// registry, as users build them.
#include "xsd/config/pipeline.h"

#include "xsd_catch.h"

namespace xsd {
namespace {

constexpr char kPipeline[] = R"pb(
  name: "llama-sd"
  max_new_tokens: 12
  target {
    name: "llama"
    llama { checkpoint { random_preset: "tiny" } max_seq_len: 128 random_seed: 5 }
  }
  drafter {
    name: "llama"
    llama { checkpoint { random_preset: "tiny" } max_seq_len: 128 random_seed: 5 }
  }
  scheduler { name: "speculative" gamma: 3 }
)pb";

TEST_CASE("A pipeline of the llama verifier and drafter builds from pbtxt and generates", "[models][llama][config]") {
  auto pipeline = Pipeline::FromTextProto(kPipeline, "llama-sd.pbtxt");
  INFO(pipeline.status().ToString());
  REQUIRE(pipeline.ok());
  CHECK((*pipeline)->target().info().name == "llama");
  CHECK((*pipeline)->target().info().max_seq_len == 128);
  Request request;
  request.prompt_tokens = {1, 20, 30, 40};
  auto result = (*pipeline)->Generate(request);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->tokens.size() == 12);
  // The drafter is the target's own weights (shared, same seed): every draft is accepted.
  CHECK(result->stats.drafted >= 8);
  CHECK(result->stats.accepted == result->stats.drafted);
}

TEST_CASE("llama options errors name the field", "[models][llama][config]") {
  auto no_checkpoint = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { max_seq_len: 64 } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(no_checkpoint.ok());
  CHECK(std::string(no_checkpoint.status().message()).find("target.llama.checkpoint") != std::string::npos);
  auto bad_preset = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { checkpoint { random_preset: "13b" } } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(bad_preset.ok());
  CHECK(std::string(bad_preset.status().message()).find("known presets: 7b, tiny") != std::string::npos);
  auto too_long = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { checkpoint { random_preset: "tiny" } max_seq_len: 100000 } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(too_long.ok());
  CHECK(std::string(too_long.status().message()).find("max_seq_len") != std::string::npos);
}

}  // namespace
}  // namespace xsd

#include <filesystem>
#include <fstream>

#include "io/io_test_util.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_loading.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {
namespace {

TEST_CASE("A llama checkpoint with tokenizer.model takes questions instead of prompt tokens",
          "[models][llama][config][tokenizer]") {
  const std::string tokenizer_dir = std::string(XSD_TEST_DATA_DIR) + "/tokenizer/llama";
  auto tokenizer = Tokenizer::Load(tokenizer_dir);
  REQUIRE(tokenizer.ok());
  testing::ScratchDir dir("models");
  // A tiny random checkpoint whose vocabulary covers the tokenizer's.
  LlamaConfig config = *LlamaPresetConfig("tiny");
  config.vocab_size = (*tokenizer)->vocab_size();
  auto weights = RandomLlamaWeights(config, 3, WeightSourceOptions());
  REQUIRE(weights.ok());
  std::vector<std::pair<std::string, at::Tensor>> tensors((*weights)->tensors().begin(), (*weights)->tensors().end());
  REQUIRE(WriteCheckpoint(dir.path(), tensors).ok());
  std::ofstream(dir.File("config.json")) << R"({"vocab_size": )" << config.vocab_size
      << R"(, "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 10000.0})";
  for (const auto& entry : std::filesystem::directory_iterator(tokenizer_dir)) {
    std::filesystem::copy_file(entry.path(), std::filesystem::path(dir.path()) / entry.path().filename());
  }
  const std::string pbtxt = R"pb(
    max_new_tokens: 6
    target { name: "llama" llama { checkpoint { path: ")pb" + dir.path() + R"pb(" } max_seq_len: 64 } }
    scheduler { name: "autoregressive" })pb";
  auto pipeline = Pipeline::FromTextProto(pbtxt, "tokenized.pbtxt");
  INFO(pipeline.status().ToString());
  REQUIRE(pipeline.ok());
  Request request;
  request.question = "What is in the scene?";
  auto result = (*pipeline)->Generate(request);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->tokens.size() == 6);
  auto encoded = (*tokenizer)->Encode(request.question, /*add_bos=*/true);
  REQUIRE(encoded.ok());
  CHECK(result->target_prefill.prompt_tokens == static_cast<int>(encoded->size()));
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

// A tiny random LLaMA checkpoint directory carrying the tokenizer of `tokenizer_dir`.
std::string CheckpointWithTokenizer(testing::ScratchDir& dir, const std::string& tokenizer_dir, int vocab) {
  LlamaConfig config = *LlamaPresetConfig("tiny");
  config.vocab_size = vocab;
  auto weights = RandomLlamaWeights(config, 3, WeightSourceOptions());
  REQUIRE(weights.ok());
  std::vector<std::pair<std::string, at::Tensor>> tensors((*weights)->tensors().begin(), (*weights)->tensors().end());
  REQUIRE(WriteCheckpoint(dir.path(), tensors).ok());
  std::ofstream(dir.File("config.json")) << R"({"vocab_size": )" << vocab
      << R"(, "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
           "num_key_value_heads": 2, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 10000.0})";
  for (const auto& entry : std::filesystem::directory_iterator(tokenizer_dir)) {
    std::filesystem::copy_file(entry.path(), std::filesystem::path(dir.path()) / entry.path().filename());
  }
  return dir.path();
}

TEST_CASE("A drafter whose own ids mean other tokens is refused at load time", "[models][llama][tokenizer]") {
  const std::string data = std::string(XSD_TEST_DATA_DIR) + "/tokenizer/";
  testing::ScratchDir a("models"), b("models"), c("models");
  const std::string target = CheckpointWithTokenizer(a, data + "llama", 3003);
  const std::string same = CheckpointWithTokenizer(b, data + "llama", 3003);
  const std::string other = CheckpointWithTokenizer(c, data + "variant", 800);
  auto build = [&](const std::string& drafter) {
    return Pipeline::FromTextProto(R"pb(
      target { name: "llama" llama { checkpoint { path: ")pb" + target + R"pb(" } max_seq_len: 64 } }
      drafter { name: "llama" llama { checkpoint { path: ")pb" + drafter + R"pb(" } max_seq_len: 64 } }
      scheduler { name: "speculative" })pb", "vocab.pbtxt");
  };
  CHECK(build(same).ok());
  auto refused = build(other);
  REQUIRE_FALSE(refused.ok());
  CHECK(std::string(refused.status().message()).find("drafter: token ") != std::string::npos);
}

}  // namespace
}  // namespace xsd
