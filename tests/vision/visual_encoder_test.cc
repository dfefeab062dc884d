// Projector, pooling, splicing and the two visual encoders against float64
// references written in the test.
#include <ATen/ATen.h>

#include "clip_reference.h"
#include "vision/eventgpt_pooling.h"
#include "xsd/vision/eventgpt_visual_encoder.h"
#include "vision/multimodal_merge.h"
#include "xsd/vision/projector.h"
#include "xsd/vision/video_llava_visual_encoder.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::MapWeights;
using testing::MaxAbsDiff;
using testing::TensorMap;

void AddLinear(TensorMap& m, const std::string& name, int64_t out, int64_t in) {
  m[name + ".weight"] = testing::Normal({out, in}, 1.0 / std::sqrt(static_cast<double>(in)));
  m[name + ".bias"] = testing::Normal({out}, 0.2);
}

TEST_CASE("MlpProjector is Linear, exact GELU, Linear", "[vision][projector]") {
  at::manual_seed(3);
  TensorMap m;
  AddLinear(m, "multi_modal_projector.linear_1", 48, 32);
  AddLinear(m, "multi_modal_projector.linear_2", 48, 48);
  MapWeights source(m);
  MlpProjectorSpec spec;
  spec.in_features = 32;
  spec.out_features = 48;
  auto projector = MlpProjector::Load(spec, ScopedWeights(&source, "multi_modal_projector."));
  REQUIRE(projector.ok());
  CHECK(source.Untaken().empty());
  at::Tensor x = at::randn({2, 5, 32}) * 2;
  auto y = (*projector)->Forward(x);
  REQUIRE(y.ok());
  CHECK(y->sizes() == at::IntArrayRef({2, 5, 48}));
  CHECK(MaxAbsDiff(*y, testing::RefProjector(m, "multi_modal_projector.linear_1", "multi_modal_projector.linear_2", x)) < 1e-5);
  CHECK_FALSE((*projector)->Forward(at::zeros({3, 31})).ok());

  SECTION("sequential naming and wrong shapes are named") {
    TensorMap seq = testing::Renamed(testing::Renamed(m, "multi_modal_projector.linear_1", "model.visual_projector.0"),
                                     "multi_modal_projector.linear_2", "model.visual_projector.2");
    MapWeights seq_source(seq);
    spec.first = "0";
    spec.second = "2";
    auto p2 = MlpProjector::Load(spec, ScopedWeights(&seq_source, "model.visual_projector."));
    REQUIRE(p2.ok());
    auto y2 = (*p2)->Forward(x);
    REQUIRE(y2.ok());
    CHECK(MaxAbsDiff(*y, *y2) == 0.0);
    spec.in_features = 33;
    MapWeights again(seq);
    auto bad = MlpProjector::Load(spec, ScopedWeights(&again, "model.visual_projector."));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("model.visual_projector.0.weight") != std::string::npos);
  }
}

TEST_CASE("SpatioTemporalPool: T frame means over tokens, then token means over frames", "[vision][pooling]") {
  // features[t][s] = 10 t + s (one channel), and a second channel = -features.
  at::Tensor f = at::zeros({2, 3, 2});
  for (int t = 0; t < 2; ++t) {
    for (int s = 0; s < 3; ++s) {
      f[t][s][0] = 10.0 * t + s;
      f[t][s][1] = -(10.0 * t + s);
    }
  }
  auto pooled = SpatioTemporalPool(f);
  REQUIRE(pooled.ok());
  REQUIRE(pooled->sizes() == at::IntArrayRef({5, 2}));
  const double expected[5] = {1.0, 11.0, 5.0, 6.0, 7.0};  // temporal: (0+1+2)/3, (10+11+12)/3; spatial: (s + 10 + s)/2
  for (int i = 0; i < 5; ++i) {
    CHECK((*pooled)[i][0].item<double>() == Approx(expected[i]));
    CHECK((*pooled)[i][1].item<double>() == Approx(-expected[i]));
  }
  // One frame: its mean, then the frame itself: S + 1 tokens.
  auto one = SpatioTemporalPool(f.slice(0, 0, 1));
  REQUIRE(one.ok());
  CHECK(one->size(0) == 4);
  CHECK(MaxAbsDiff(one->slice(0, 1), f[0]) == 0.0);
  CHECK_FALSE(SpatioTemporalPool(at::zeros({3, 2})).ok());
}

TEST_CASE("SpliceEmbeddings replaces or inserts at the placeholder", "[vision][merge]") {
  at::Tensor text = at::arange(5, at::kFloat).unsqueeze(1).expand({5, 2}).contiguous();       // rows 0..4
  at::Tensor visual = (100 + at::arange(3, at::kFloat)).unsqueeze(1).expand({3, 2}).contiguous();  // rows 100..102
  auto replaced = SpliceEmbeddings(text, 2, 1, visual);
  REQUIRE(replaced.ok());
  std::vector<float> rows;
  for (int i = 0; i < replaced->size(0); ++i) rows.push_back((*replaced)[i][0].item<float>());
  CHECK(rows == std::vector<float>({0, 1, 100, 101, 102, 3, 4}));
  auto inserted = SpliceEmbeddings(text, 2, 0, visual);
  REQUIRE(inserted.ok());
  rows.clear();
  for (int i = 0; i < inserted->size(0); ++i) rows.push_back((*inserted)[i][0].item<float>());
  CHECK(rows == std::vector<float>({0, 1, 100, 101, 102, 2, 3, 4}));
  CHECK_FALSE(SpliceEmbeddings(text, 5, 1, visual).ok());
  CHECK_FALSE(SpliceEmbeddings(text, 1, 0, at::zeros({3, 4})).ok());
}

TEST_CASE("VideoLlavaVisualEncoder: hidden_states[-2] with CLS, projected, frame-major", "[vision][video_llava]") {
  at::manual_seed(5);
  const ClipVisionConfig c = testing::TinyClipConfig();
  TensorMap m = testing::RandomClipWeights(c, "video_tower.vision_model.");
  AddLinear(m, "multi_modal_projector.linear_1", 40, c.hidden_size);
  AddLinear(m, "multi_modal_projector.linear_2", 40, 40);
  MapWeights source(m);
  VideoLlavaVisionSpec spec;
  spec.vision = c;
  spec.text_hidden_size = 40;
  auto encoder = VideoLlavaVisualEncoder::Load(spec, ScopedWeights(&source, ""));
  REQUIRE(encoder.ok());
  CHECK(source.Untaken().empty());
  CHECK((*encoder)->TokensPerFrame() == c.num_positions());
  at::Tensor frames = at::randn({3, 3, c.image_size, c.image_size});
  auto out = (*encoder)->Encode(frames);
  REQUIRE(out.ok());
  REQUIRE(out->sizes() == at::IntArrayRef({3 * c.num_positions(), 40}));
  const at::Tensor features = testing::RefClipHiddenStates(m, "video_tower.vision_model.", c, frames)[c.num_hidden_layers - 1];
  const at::Tensor ref = testing::RefProjector(m, "multi_modal_projector.linear_1", "multi_modal_projector.linear_2", features);
  CHECK(MaxAbsDiff(*out, ref.reshape({-1, 40})) < 2e-5);
  // Frame 1's tokens sit at rows [P, 2P).
  CHECK(MaxAbsDiff(out->slice(0, c.num_positions(), 2 * c.num_positions()), ref[1]) < 2e-5);

  spec.feature_layer = -(c.num_hidden_layers + 2);
  MapWeights again(m);
  CHECK_FALSE(VideoLlavaVisualEncoder::Load(spec, ScopedWeights(&again, "")).ok());
}

TEST_CASE("EventGptVisualEncoder: last hidden state, projector, adaptor(s), then pooling", "[vision][eventgpt]") {
  at::manual_seed(9);
  const ClipVisionConfig c = testing::TinyClipConfig(/*image_size=*/35, /*patch_size=*/7);
  const std::string tower = "model.visual_tower.visual_tower.vision_model.";
  TensorMap m = testing::RandomClipWeights(c, tower);
  AddLinear(m, "model.visual_projector.0", 24, c.hidden_size);
  AddLinear(m, "model.visual_projector.2", 24, 24);
  AddLinear(m, "model.feature_adaptor", 24, 24);
  const int frames = GENERATE(1, 3);
  const bool twice = GENERATE(false, true);
  INFO("frames " << frames << ", adaptor twice " << twice);
  at::Tensor pixels = at::randn({frames, 3, c.image_size, c.image_size});

  // Reference: per-frame features, then the pooling written as explicit loops.
  at::Tensor f = testing::RefClipHiddenStates(m, tower, c, pixels).back();
  f = testing::RefProjector(m, "model.visual_projector.0", "model.visual_projector.2", f);
  f = testing::RefAffine(m, "model.feature_adaptor", f);
  if (twice) f = testing::RefAffine(m, "model.feature_adaptor", f);
  std::vector<at::Tensor> rows;
  for (int t = 0; t < frames; ++t) rows.push_back(f[t].sum(0) / f.size(1));
  for (int s = 0; s < f.size(1); ++s) {
    at::Tensor acc = at::zeros({24}, at::kDouble);
    for (int t = 0; t < frames; ++t) acc += f[t][s];
    rows.push_back(acc / frames);
  }
  const at::Tensor ref = at::stack(rows, 0);

  MapWeights source(m);
  EventGptVisionSpec spec;
  spec.vision = c;
  spec.text_hidden_size = 24;
  spec.feature_adaptor_twice = twice;
  auto encoder = EventGptVisualEncoder::Load(spec, ScopedWeights(&source, "model.visual_tower.visual_tower."),
                                             ScopedWeights(&source, "model."));
  REQUIRE(encoder.ok());
  CHECK(source.Untaken().empty());
  auto out = (*encoder)->Encode(pixels);
  REQUIRE(out.ok());
  CHECK(out->size(0) == (*encoder)->NumTokens(frames));
  CHECK(out->size(0) == frames + c.num_positions());
  CHECK(MaxAbsDiff(*out, ref) < 2e-5);
}

TEST_CASE("EventGPT pooling order matters: projecting pooled CLIP features differs", "[vision][eventgpt]") {
  // Guards the documented order (project, then pool): the GELU makes the other
  // order a different model, so a swap would be caught by the test above.
  at::manual_seed(2);
  TensorMap m;
  AddLinear(m, "p.0", 16, 8);
  AddLinear(m, "p.2", 16, 16);
  at::Tensor x = at::randn({2, 6, 8}) * 2;
  at::Tensor project_then_pool = testing::RefProjector(m, "p.0", "p.2", x).mean({1});
  at::Tensor pool_then_project = testing::RefProjector(m, "p.0", "p.2", x.mean({1}));
  CHECK(MaxAbsDiff(project_then_pool, pool_then_project) > 1e-2);
}

}  // namespace
}  // namespace xsd
