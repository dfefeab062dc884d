// ParseLlamaConfig / LoadLlamaConfig: both config.json layouts, text_config,
// rope types, defaults, and errors that name the file and the field.
#include "xsd/models/llama_config.h"

#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "io/json_file.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

absl::StatusOr<LlamaConfig> Parse(const std::string& text) {
  static nlohmann::json storage;  // JsonObject does not own its value
  storage = nlohmann::json::parse(text);
  return ParseLlamaConfig(JsonObject(&storage, "ckpt/config.json"));
}

bool Contains(const absl::Status& s, const std::string& text) {
  return std::string(s.message()).find(text) != std::string::npos;
}

// The shape of Vicuna-7B v1.5 as its published config.json states it.
constexpr char kHubVicuna[] = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
  "pad_token_id": 0, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
  "tie_word_embeddings": false, "torch_dtype": "float16", "use_cache": true, "vocab_size": 32000})";

// What transformers 5 writes for a GQA model with llama3 RoPE.
constexpr char kV5Llama3[] = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008], "head_dim": 128, "hidden_act": "silu", "hidden_size": 4096,
  "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_type": "llama3"},
  "tie_word_embeddings": false, "dtype": "bfloat16", "vocab_size": 128256})";

TEST_CASE("The published hub layout parses (rope_theta at the top, head_dim derived)", "[models][config]") {
  auto c = Parse(kHubVicuna);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->vocab_size == 32000);
  CHECK(c->hidden_size == 4096);
  CHECK(c->intermediate_size == 11008);
  CHECK(c->num_layers == 32);
  CHECK(c->num_heads == 32);
  CHECK(c->num_kv_heads == 32);
  CHECK(c->head_dim == 128);
  CHECK(c->rms_norm_eps == 1e-5);
  CHECK(c->max_position_embeddings == 4096);
  CHECK_FALSE(c->tie_word_embeddings);
  CHECK(c->bos_token == 1);
  CHECK(c->eos_token == 2);
  CHECK(c->pad_token == 0);
  CHECK(c->rope.type == RopeConfig::Type::kDefault);
  CHECK(c->rope.theta == 10000.0);
}

TEST_CASE("The transformers-5 layout parses (rope_parameters, explicit head_dim, eos list)", "[models][config]") {
  auto c = Parse(kV5Llama3);
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  CHECK(c->num_kv_heads == 8);
  CHECK(c->group_size() == 4);
  CHECK(c->head_dim == 128);
  CHECK(c->eos_token == 128001);
  CHECK(c->pad_token == kNoToken);
  CHECK(c->rope.type == RopeConfig::Type::kLlama3);
  CHECK(c->rope.theta == 500000.0);
  CHECK(c->rope.factor == 8.0);
  CHECK(c->rope.low_freq_factor == 1.0);
  CHECK(c->rope.high_freq_factor == 4.0);
  CHECK(c->rope.original_max_position_embeddings == 8192);
}

TEST_CASE("Hub rope_scaling: linear, dynamic, the old 'type' key, and llama3", "[models][config]") {
  auto linear = Parse(R"({"rope_theta": 20000, "rope_scaling": {"type": "linear", "factor": 2.0}})");
  REQUIRE(linear.ok());
  CHECK(linear->rope.type == RopeConfig::Type::kLinear);
  CHECK(linear->rope.factor == 2.0);
  CHECK(linear->rope.theta == 20000.0);
  auto dynamic = Parse(R"({"rope_scaling": {"rope_type": "dynamic", "factor": 4}})");
  REQUIRE(dynamic.ok());
  CHECK(dynamic->rope.type == RopeConfig::Type::kDynamic);
  auto llama3 = Parse(R"({"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})");
  REQUIRE(llama3.ok());
  CHECK(llama3->rope.type == RopeConfig::Type::kLlama3);
  CHECK(llama3->rope.theta == 500000.0);
  auto v5_default = Parse(R"({"rope_parameters": {"rope_type": "default", "rope_theta": 1234.5}})");
  REQUIRE(v5_default.ok());
  CHECK(v5_default->rope.theta == 1234.5);
}

TEST_CASE("Absent fields take transformers' LlamaConfig defaults", "[models][config]") {
  auto c = Parse(R"({"vocab_size": 32064, "pad_token_id": 0, "rms_norm_eps": 1e-05, "max_position_embeddings": 4096})");
  REQUIRE(c.ok());
  CHECK(c->vocab_size == 32064);
  CHECK(c->hidden_size == 4096);
  CHECK(c->intermediate_size == 11008);
  CHECK(c->num_layers == 32);
  CHECK(c->num_kv_heads == 32);
  CHECK(c->head_dim == 128);
  CHECK(c->rope.theta == 10000.0);
  CHECK_FALSE(c->tie_word_embeddings);
}

TEST_CASE("Wrong types and unsupported values name the file and the field", "[models][config]") {
  auto heads = Parse(R"({"num_attention_heads": "32"})");
  REQUIRE_FALSE(heads.ok());
  INFO(heads.status().ToString());
  CHECK(Contains(heads.status(), "ckpt/config.json"));
  CHECK(Contains(heads.status(), "num_attention_heads"));
  auto eps = Parse(R"({"rms_norm_eps": "small"})");
  REQUIRE_FALSE(eps.ok());
  CHECK(Contains(eps.status(), "rms_norm_eps"));
  auto yarn = Parse(R"({"rope_scaling": {"rope_type": "yarn", "factor": 4.0}})");
  REQUIRE_FALSE(yarn.ok());
  INFO(yarn.status().ToString());
  CHECK(Contains(yarn.status(), "ckpt/config.json: field 'rope_scaling.rope_type'"));
  CHECK(Contains(yarn.status(), "'yarn'"));
  auto no_factor = Parse(R"({"rope_scaling": {"rope_type": "linear"}})");
  REQUIRE_FALSE(no_factor.ok());
  CHECK(Contains(no_factor.status(), "factor"));
  auto bad_kv = Parse(R"({"num_attention_heads": 32, "num_key_value_heads": 5})");
  REQUIRE_FALSE(bad_kv.ok());
  CHECK(Contains(bad_kv.status(), "field 'num_key_value_heads'"));
  auto scaling_type = Parse(R"({"rope_scaling": [1, 2]})");
  REQUIRE_FALSE(scaling_type.ok());
  CHECK(Contains(scaling_type.status(), "rope_scaling"));
  auto act = Parse(R"({"hidden_act": "gelu"})");
  REQUIRE_FALSE(act.ok());
  CHECK(Contains(act.status(), "hidden_act"));
}

TEST_CASE("LoadLlamaConfig reads a directory and uses text_config when present", "[models][config]") {
  const std::string path = "/tmp/xsd_llama_config_test_" + std::to_string(getpid()) + ".json";
  {
    std::ofstream f(path);
    f << R"({"model_type": "video_llava", "image_token_index": 32000,
            "text_config": {"model_type": "llama", "vocab_size": 32064, "max_position_embeddings": 4096,
                            "rms_norm_eps": 1e-05, "pad_token_id": 0, "num_attention_heads": "many"}})";
  }
  auto bad = LoadLlamaConfig(path);
  REQUIRE_FALSE(bad.ok());
  INFO(bad.status().ToString());
  CHECK(Contains(bad.status(), path));
  CHECK(Contains(bad.status(), "text_config.num_attention_heads"));
  {
    std::ofstream f(path);
    f << R"({"model_type": "video_llava", "text_config": {"vocab_size": 32064, "max_position_embeddings": 4096,
            "rms_norm_eps": 1e-05, "pad_token_id": 0}})";
  }
  auto good = LoadLlamaConfig(path);
  INFO(good.status().ToString());
  REQUIRE(good.ok());
  CHECK(good->vocab_size == 32064);
  CHECK(good->max_position_embeddings == 4096);
  CHECK(good->num_layers == 32);
  std::remove(path.c_str());
  CHECK_FALSE(LoadLlamaConfig("/nonexistent/dir").ok());
}

}  // namespace
}  // namespace xsd
