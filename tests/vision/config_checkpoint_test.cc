// config.json parsing of the multimodal models (both layouts, both spellings
// of the special ids, defaults, errors) and the random checkpoint writer
// (presets, shards + index, parameter counts of the real shapes).
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "model_test_util.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"
#include "xsd/vision/eventgpt_config.h"
#include "xsd/vision/video_llava_config.h"

namespace xsd {
namespace {

absl::StatusOr<VideoLlavaConfig> ParseText(const std::string& text) {
  const nlohmann::json root = nlohmann::json::parse(text);
  return ParseVideoLlavaConfig(JsonObject(&root, "cfg.json"));
}

TEST_CASE("Video-LLaVA config: hub and transformers-5 layouts, id spellings, defaults", "[vision][config]") {
  auto hub = ParseText(R"({"text_config": {"vocab_size": 32064, "rope_theta": 10000.0},
                           "vision_config": {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
                                             "num_attention_heads": 16, "patch_size": 14},
                           "image_token_index": 32000, "video_token_index": 32001, "vision_feature_layer": -2})");
  INFO(hub.status().ToString());
  REQUIRE(hub.ok());
  CHECK(hub->video_token == 32001);
  CHECK(hub->image_token == 32000);
  CHECK(hub->text.head_dim == 128);  // derived: 4096 / 32
  CHECK(hub->vision.image_size == 224);  // CLIPVisionConfig default
  CHECK(hub->vision.hidden_act == "quick_gelu");
  CHECK(hub->vision.num_positions() == 257);
  CHECK(hub->vision_feature_select_strategy == "default");
  CHECK(hub->projector_hidden_act == "gelu");

  auto t5 = ParseText(R"({"text_config": {"vocab_size": 128, "hidden_size": 64, "num_attention_heads": 4, "head_dim": 16,
                                          "rope_parameters": {"rope_theta": 500.0, "rope_type": "default"}},
                          "vision_config": {"hidden_size": 32, "num_attention_heads": 4, "image_size": 56, "patch_size": 14},
                          "image_token_id": 125, "video_token_id": 126})");
  INFO(t5.status().ToString());
  REQUIRE(t5.ok());
  CHECK(t5->video_token == 126);
  CHECK(t5->text.rope.theta == 500.0);
  CHECK(t5->vision.intermediate_size == 3072);  // CLIPVisionConfig default
  CHECK(t5->vision.num_hidden_layers == 12);

  SECTION("errors name the field") {
    auto layers = ParseText(R"({"text_config": {}, "vision_config": {}, "vision_feature_layer": [-2, -1]})");
    REQUIRE_FALSE(layers.ok());
    CHECK(layers.status().message().find("vision_feature_layer") != std::string::npos);
    auto type = ParseText(R"({"text_config": {}, "vision_config": {"patch_size": "14"}})");
    REQUIRE_FALSE(type.ok());
    CHECK(type.status().message().find("vision_config.patch_size") != std::string::npos);
    auto value = ParseText(R"({"text_config": {}, "vision_config": {"image_size": 225}})");
    REQUIRE_FALSE(value.ok());
    CHECK(value.status().message().find("vision_config.image_size") != std::string::npos);
    auto token = ParseText(R"({"text_config": {"vocab_size": 100}, "vision_config": {}, "video_token_index": 32001})");
    REQUIRE_FALSE(token.ok());
    CHECK(token.status().message().find("video_token_index") != std::string::npos);
    CHECK_FALSE(ParseText(R"({"vision_config": {}})").ok());
  }
}

void WriteJson(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST_CASE("EventGPT config: where the tower's shape comes from", "[vision][config]") {
  const std::string llama = R"("vocab_size": 32000, "hidden_size": 4096, "mm_visual_tower": "clip336")";
  SECTION("CLIP ViT-L/14-336 when nothing local names it") {
    const std::string dir = testing::TempPath("egpt_cfg_default");
    WriteJson(dir + "/config.json", "{" + llama + "}");
    auto c = LoadEventGptConfig(dir);
    REQUIRE(c.ok());
    CHECK(c->vision.image_size == 336);
    CHECK(c->vision.num_positions() == 577);
    CHECK(c->vision_tower_dir.empty());
    CHECK_FALSE(c->feature_adaptor.has_value());
  }
  SECTION("the CLIP directory mm_visual_tower names, relative to the checkpoint") {
    const std::string dir = testing::TempPath("egpt_cfg_dir");
    WriteJson(dir + "/config.json", "{" + llama + R"(, "event_feature_adaptor": false})");
    WriteJson(dir + "/clip336/config.json", R"({"vision_config": {"hidden_size": 48, "num_attention_heads": 4,
                                                                   "image_size": 84, "patch_size": 14}})");
    auto c = LoadEventGptConfig(dir);
    INFO(c.status().ToString());
    REQUIRE(c.ok());
    CHECK(c->vision.hidden_size == 48);
    CHECK(c->vision.image_size == 84);
    CHECK(c->vision_tower_dir == dir + "/clip336");
    CHECK(c->feature_adaptor == std::optional<bool>(false));
  }
  SECTION("an explicit vision_config wins") {
    const std::string dir = testing::TempPath("egpt_cfg_explicit");
    WriteJson(dir + "/config.json", "{" + llama + R"(, "vision_config": {"hidden_size": 64, "num_attention_heads": 4}})");
    auto c = LoadEventGptConfig(dir);
    REQUIRE(c.ok());
    CHECK(c->vision.hidden_size == 64);
    CHECK(c->vision.patch_size == 32);  // CLIPVisionConfig default
  }
}

TEST_CASE("Random checkpoints: the 7B presets have the published parameter counts", "[vision][checkpoint]") {
  // Vicuna-7B: 6 738 415 616 parameters with 32 000 tokens; Video-LLaVA pads to
  // 32 064 (+ 2 x 64 x 4096). CLIP ViT-L/14 vision model: 303 179 776 at 224 px;
  // at 336 px the position table grows by (577 - 257) x 1024.
  constexpr int64_t kVicuna = 6738415616;
  constexpr int64_t kClip224 = 303179776;
  constexpr int64_t kClip336 = kClip224 + (577 - 257) * 1024;
  constexpr int64_t kProjector = (1024 * 4096 + 4096) + (4096 * 4096 + 4096);
  auto vl = RandomCheckpointParameters("video_llava_7b");
  auto eg = RandomCheckpointParameters("eventgpt_7b");
  REQUIRE(vl.ok());
  REQUIRE(eg.ok());
  CHECK(*vl == kVicuna + 2 * 64 * 4096 + 2 * kClip224 + kProjector);
  CHECK(*eg == kVicuna + kClip336 + kProjector + (4096 * 4096 + 4096));
  auto unknown = RandomCheckpointParameters("video_llava_13b");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("video_llava_7b") != std::string::npos);  // lists the known presets
}

TEST_CASE("Random checkpoints: shards with an index hold the same tensors as one file", "[vision][checkpoint]") {
  RandomCheckpointOptions options;
  options.preset = "eventgpt_tiny";
  options.seed = 3;
  options.out_dir = testing::TempPath("egpt_single");
  REQUIRE(WriteRandomCheckpoint(options).ok());
  options.out_dir = testing::TempPath("egpt_sharded");
  options.max_shard_bytes = 400 * 1024;
  options.dtype = c10::ScalarType::BFloat16;
  REQUIRE(WriteRandomCheckpoint(options).ok());
  CHECK(std::filesystem::exists(options.out_dir + "/model.safetensors.index.json"));
  CHECK_FALSE(std::filesystem::exists(options.out_dir + "/model.safetensors"));
  auto single = CheckpointReader::Open(testing::TempPath("egpt_single"));
  auto sharded = CheckpointReader::Open(options.out_dir);
  REQUIRE(single.ok());
  REQUIRE(sharded.ok());
  CHECK((*sharded)->files().size() > 2);
  REQUIRE((*single)->Names() == (*sharded)->Names());
  for (const std::string& name : (*single)->Names()) {
    INFO(name);
    const at::Tensor a = (*single)->Get(name).value();
    const at::Tensor b = (*sharded)->Get(name).value();
    CHECK(b.scalar_type() == at::kBFloat16);
    CHECK(testing::MaxDiff(a.to(at::kBFloat16), b) == 0.0);
  }
  // Norm weights are 1, LayerNorm biases 0, matrices ~ N(0, 0.02^2).
  CHECK(testing::MaxDiff((*single)->Get("model.norm.weight").value(), at::ones({32})) == 0.0);
  const at::Tensor w = (*single)->Get("model.layers.0.mlp.up_proj.weight").value();
  CHECK(w.std().item<double>() == Approx(0.02).epsilon(0.1));
  // Unknown layout and preset are refused by name.
  options.layout = "gguf";
  CHECK_FALSE(WriteRandomCheckpoint(options).ok());
}

}  // namespace
}  // namespace xsd
