#include "xsd/vision/clip_vision_tower.h"

#include <cmath>

#include <ATen/ATen.h>

#include "clip_reference.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::MapWeights;
using testing::MaxAbsDiff;
using testing::TensorMap;
using testing::D;
using testing::RefClipHiddenStates;
using testing::RefLayerNorm;

struct Fixture {
  ClipVisionConfig config = testing::TinyClipConfig();
  TensorMap weights;
  at::Tensor pixels;
  Fixture() {
    at::manual_seed(11);
    weights = testing::RandomClipWeights(config, "");
    pixels = at::randn({2, 3, config.image_size, config.image_size});
  }
};

TEST_CASE("CLIP vision tower matches an independent float64 reference at every hidden state", "[vision][clip]") {
  Fixture f;
  MapWeights source(f.weights);
  auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
  REQUIRE(tower.ok());
  CHECK(source.Untaken().empty());
  const std::vector<at::Tensor> ref = RefClipHiddenStates(f.weights, "", f.config, f.pixels);
  const int layers = f.config.num_hidden_layers;
  for (int layer : {0, 1, layers - 1, layers, -1, -2, -(layers + 1)}) {
    INFO("hidden state " << layer);
    auto out = (*tower)->Forward(f.pixels, ClipFeatureSelect{layer, false});
    REQUIRE(out.ok());
    const at::Tensor& expected = ref[layer < 0 ? layers + 1 + layer : layer];
    REQUIRE(out->sizes() == expected.sizes());
    CHECK(out->size(1) == f.config.num_positions());
    CHECK(MaxAbsDiff(*out, expected) < 2e-5);
  }
  // Pooled output = post_layernorm(CLS of last_hidden_state).
  auto last = (*tower)->Forward(f.pixels, ClipFeatureSelect{-1, false});
  REQUIRE(last.ok());
  auto pooled = (*tower)->Pooled(*last);
  REQUIRE(pooled.ok());
  at::Tensor ref_pooled = RefLayerNorm(ref.back().select(1, 0), D(f.weights, "post_layernorm.weight"),
                                       D(f.weights, "post_layernorm.bias"), f.config.layer_norm_eps);
  CHECK(MaxAbsDiff(*pooled, ref_pooled) < 2e-5);
}

TEST_CASE("CLIP vision tower drops the class token only when asked", "[vision][clip]") {
  Fixture f;
  MapWeights source(f.weights);
  auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
  REQUIRE(tower.ok());
  auto with_cls = (*tower)->Forward(f.pixels, ClipFeatureSelect{-2, false});
  auto without = (*tower)->Forward(f.pixels, ClipFeatureSelect{-2, true});
  REQUIRE(with_cls.ok());
  REQUIRE(without.ok());
  CHECK((*tower)->TokensPerImage({-2, false}) == 17);
  CHECK((*tower)->TokensPerImage({-2, true}) == 16);
  CHECK(without->size(1) == f.config.num_patches());
  CHECK(MaxAbsDiff(*without, with_cls->slice(1, 1)) == 0.0);
}

TEST_CASE("CLIP vision tower is batched: each image is encoded independently", "[vision][clip]") {
  Fixture f;
  MapWeights source(f.weights);
  auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
  REQUIRE(tower.ok());
  auto both = (*tower)->Forward(f.pixels, ClipFeatureSelect{-1, false});
  auto second = (*tower)->Forward(f.pixels.slice(0, 1, 2), ClipFeatureSelect{-1, false});
  REQUIRE(both.ok());
  REQUIRE(second.ok());
  CHECK(MaxAbsDiff(both->select(0, 1), second->select(0, 0)) < 1e-5);
}

TEST_CASE("CLIP vision tower accepts both checkpoint layouts", "[vision][clip]") {
  Fixture f;
  const std::vector<at::Tensor> ref = RefClipHiddenStates(f.weights, "", f.config, f.pixels);
  // Hub layout: "video_tower.vision_model.*" plus a stale position_ids buffer.
  TensorMap hub = testing::Renamed(f.weights, "", "video_tower.vision_model.");
  hub["video_tower.vision_model.embeddings.position_ids"] =
      at::arange(f.config.num_positions(), at::kLong).unsqueeze(0);
  // transformers-5 layout: "video_tower.*".
  TensorMap t5 = testing::Renamed(f.weights, "", "video_tower.");
  for (TensorMap* layout : {&hub, &t5}) {
    MapWeights source(*layout);
    auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, "video_tower."));
    REQUIRE(tower.ok());
    CHECK(source.Untaken().empty());
    auto out = (*tower)->Forward(f.pixels, ClipFeatureSelect{-2, false});
    REQUIRE(out.ok());
    CHECK(MaxAbsDiff(*out, ref[f.config.num_hidden_layers - 1]) < 2e-5);
  }
}

TEST_CASE("CLIP vision tower names missing and mis-shaped tensors", "[vision][clip]") {
  Fixture f;
  SECTION("missing") {
    TensorMap m = f.weights;
    m.erase("encoder.layers.2.mlp.fc1.bias");
    MapWeights source(m);
    auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
    REQUIRE_FALSE(tower.ok());
    CHECK(tower.status().message().find("encoder.layers.2.mlp.fc1.bias") != std::string::npos);
  }
  SECTION("mis-shaped") {
    TensorMap m = f.weights;
    m["encoder.layers.1.self_attn.k_proj.weight"] = at::zeros({32, 31});
    MapWeights source(m);
    auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
    REQUIRE_FALSE(tower.ok());
    CHECK(tower.status().message().find("encoder.layers.1.self_attn.k_proj.weight") != std::string::npos);
    CHECK(tower.status().message().find("[32, 31]") != std::string::npos);
  }
  SECTION("bad input shape and layer index") {
    MapWeights source(f.weights);
    auto tower = ClipVisionTower::Load(f.config, ScopedWeights(&source, ""));
    REQUIRE(tower.ok());
    CHECK_FALSE((*tower)->Forward(at::zeros({2, 3, 27, 28}), {}).ok());
    CHECK_FALSE((*tower)->Forward(f.pixels, ClipFeatureSelect{5, false}).ok());
    CHECK_FALSE((*tower)->Forward(f.pixels, ClipFeatureSelect{-5, false}).ok());
  }
  SECTION("invalid config") {
    ClipVisionConfig c = f.config;
    c.hidden_act = "relu6";
    MapWeights source(f.weights);
    auto tower = ClipVisionTower::Load(c, ScopedWeights(&source, ""));
    REQUIRE_FALSE(tower.ok());
    CHECK(tower.status().message().find("hidden_act") != std::string::npos);
  }
}

}  // namespace
}  // namespace xsd
