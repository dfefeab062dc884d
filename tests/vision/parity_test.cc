// Parity with Hugging Face transformers on the fixtures that
// tools/fixtures/make_vision_fixtures.py writes into tests/data/models/
// (tiny random CLIP, Video-LLaVA in both layouts, an EventGPT stand-in; all
// float32 on the CPU). The fixtures are committed; a missing one fails the
// test, naming the command that generates it.
#include <filesystem>

#include <ATen/ATen.h>

#include "model_test_util.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/video_llava_verifier.h"

namespace xsd {
namespace {

using testing::MaxDiff;

// Vision features and logits: float32 through a few layers, versus PyTorch.
constexpr double kTolerance = 1e-4;

std::string FixtureDir(const std::string& name) { return std::string(XSD_TEST_DATA_DIR) + "/models/" + name; }

bool FixturesPresent(const std::string& dir) {
  if (std::filesystem::exists(dir + "/reference.safetensors")) return true;
  FAIL_CHECK("parity fixtures absent (" << dir << "): run `python3 tools/fixtures/make_vision_fixtures.py` on the "
             "GPU machine (transformers 5) and commit tests/data/models");
  return false;
}

struct Reference {
  std::unique_ptr<CheckpointReader> reader;
  explicit Reference(const std::string& dir) {
    auto r = CheckpointReader::Open(dir + "/reference.safetensors");
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    reader = std::move(r).value();
  }
  at::Tensor operator[](const std::string& name) const {
    auto t = reader->Get(name);
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    return t->is_floating_point() ? t->to(at::kFloat) : *t;
  }
  std::vector<TokenId> Ids(const std::string& name) const {
    const at::Tensor t = (*this)[name].to(at::kLong).contiguous();
    return std::vector<TokenId>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
};

at::Tensor LogitsOf(const TargetOutput& out, int row) {
  return at::from_blob(const_cast<float*>(out.Logits(row).data()), {out.vocab}, at::kFloat).clone();
}

TEST_CASE("Parity: CLIP vision tower (224 and 336) against transformers' CLIPVisionModel", "[vision][parity]") {
  for (const char* size : {"224", "336"}) {
    const std::string dir = FixtureDir(std::string("clip_tiny/") + size);
    if (!FixturesPresent(dir)) continue;
    INFO("CLIP " << size);
    auto root = ReadJsonFile(dir + "/config.json");
    REQUIRE(root.ok());
    auto config = ParseClipVisionConfig(JsonObject(&*root, dir + "/config.json"));
    REQUIRE(config.ok());
    auto source = CheckpointWeightSource::Open(dir, WeightSourceOptions());
    REQUIRE(source.ok());
    auto tower = ClipVisionTower::Load(*config, ScopedWeights(source->get(), ""));
    INFO(tower.status().ToString());
    REQUIRE(tower.ok());
    const Reference ref(dir);
    const at::Tensor pixels = ref["pixel_values"];
    for (int i = 0; i <= config->num_hidden_layers; ++i) {
      INFO("hidden state " << i);
      auto h = (*tower)->Forward(pixels, ClipFeatureSelect{i, false});
      REQUIRE(h.ok());
      CHECK(MaxDiff(*h, ref["hidden_state_" + std::to_string(i)]) < kTolerance);
    }
    auto last = (*tower)->Forward(pixels, ClipFeatureSelect{-1, false});
    REQUIRE(last.ok());
    CHECK(last->size(1) == (std::string(size) == "224" ? 257 : 577));
    CHECK(MaxDiff(*last, ref["last_hidden_state"]) < kTolerance);
    CHECK(MaxDiff((*tower)->Pooled(*last).value(), ref["pooler_output"]) < kTolerance);
  }
}

TEST_CASE("Parity: Video-LLaVA (both layouts) against transformers' VideoLlavaForConditionalGeneration",
          "[vision][parity]") {
  const std::string dir = FixtureDir("video_llava_tiny");
  if (!FixturesPresent(dir)) return;
  const Reference ref(dir);
  const at::Tensor frames = ref["pixel_values_videos"];
  const std::vector<TokenId> prompt = ref.Ids("prompt_ids");
  const std::vector<TokenId> greedy = ref.Ids("greedy_tokens");
  for (const char* layout : {"transformers5", "hub"}) {
    INFO("layout " << layout);
    VideoLlavaLoadOptions load;
    load.checkpoint = dir + "/" + layout;
    auto loaded = VideoLlavaModel::Load(load);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    std::shared_ptr<const VideoLlavaModel> model = std::move(loaded).value();
    CHECK(MaxDiff(model->visual().TowerFeatures(frames).value(), ref["video_features"]) < kTolerance);
    CHECK(MaxDiff(model->visual().Encode(frames).value(), ref["projected_features"]) < kTolerance);

    VideoLlavaVerifierOptions options;
    options.max_seq_len = 512;
    auto verifier = VideoLlavaVerifier::Create(model, options, nullptr);
    REQUIRE(verifier.ok());
    OutputRequest logits;
    logits.logits = true;
    auto prefill = (*verifier)->PrefillWithInputs(prompt, frames, logits);
    REQUIRE(prefill.ok());
    const at::Tensor prefill_logits = ref["prefill_logits"];
    CHECK((*verifier)->cache_length() == prefill_logits.size(0));
    CHECK(MaxDiff(LogitsOf(*prefill, 0), prefill_logits[-1]) < kTolerance);
    CHECK(MaxDiff(*(*verifier)->features()->committed_hidden(), ref["prefill_hidden"]) < kTolerance);

    // Greedy decoding: one Verify of the pending token per step.
    const at::Tensor step_logits = ref["step_logits"];
    TokenId pending = prefill->argmax[0];
    std::vector<TokenId> produced = {pending};
    for (size_t i = 1; i < greedy.size(); ++i) {
      auto step = (*verifier)->Verify(pending, Draft(), logits);
      REQUIRE(step.ok());
      REQUIRE((*verifier)->Commit({}).ok());
      INFO("decode step " << i);
      CHECK(MaxDiff(LogitsOf(*step, 0), step_logits[static_cast<int64_t>(i)]) < kTolerance);
      pending = step->argmax[0];
      produced.push_back(pending);
    }
    CHECK(produced == greedy);

    // A multi-token verify right after the prefill.
    REQUIRE((*verifier)->PrefillWithInputs(prompt, frames, OutputRequest()).ok());
    const std::vector<TokenId> verify_tokens = ref.Ids("verify_tokens");
    const std::vector<TokenId> chain(verify_tokens.begin() + 1, verify_tokens.end());
    auto verified = (*verifier)->Verify(verify_tokens[0], Draft::Chain(chain), logits);
    REQUIRE(verified.ok());
    const at::Tensor verify_logits = ref["verify_logits"];
    for (int r = 0; r < verified->rows; ++r) {
      INFO("verify row " << r);
      CHECK(MaxDiff(LogitsOf(*verified, r), verify_logits[r]) < kTolerance);
    }
  }
}

TEST_CASE("Parity: EventGPT stand-in (CLIP + projector + adaptor + pooling + LLaMA) against PyTorch",
          "[vision][parity]") {
  const std::string dir = FixtureDir("eventgpt_tiny");
  if (!FixturesPresent(dir)) return;
  const Reference ref(dir);
  const at::Tensor pixels = ref["pixel_values"];
  for (bool twice : {false, true}) {
    EventGptLoadOptions load;
    load.checkpoint = dir;
    load.feature_adaptor_twice = twice;
    auto loaded = EventGptModel::Load(load);
    INFO(loaded.status().ToString());
    REQUIRE(loaded.ok());
    std::shared_ptr<const EventGptModel> model = std::move(loaded).value();
    if (twice) {
      CHECK(MaxDiff(model->visual().Encode(pixels).value(), ref["visual_embeds_twice"]) < kTolerance);
      continue;
    }
    CHECK(MaxDiff(model->visual().tower().Forward(pixels, ClipFeatureSelect{-1, false}).value(),
                  ref["clip_last_hidden_state"]) < kTolerance);
    CHECK(MaxDiff(model->visual().FrameFeatures(pixels).value(), ref["frame_features"]) < kTolerance);
    CHECK(MaxDiff(model->visual().Encode(pixels).value(), ref["visual_embeds"]) < kTolerance);
    CHECK(MaxDiff(model->visual().Encode(ref["pixel_values_2f"]).value(), ref["visual_embeds_2f"]) < kTolerance);

    EventGptDrafterOptions options;
    options.max_seq_len = 512;
    auto drafter = EventGptDrafter::Create(model, options, nullptr);
    REQUIRE(drafter.ok());
    REQUIRE((*drafter)->BeginWithInputs(ref.Ids("ids_before"), ref.Ids("ids_after"), pixels).ok());
    const int prompt = (*drafter)->prompt_length();
    const at::Tensor prefill_hidden = ref["prefill_hidden"];
    REQUIRE(prompt == prefill_hidden.size(0));
    CHECK(MaxDiff((*drafter)->HiddenRows(0, prompt).value(), prefill_hidden) < kTolerance);
    const std::vector<TokenId> greedy = ref.Ids("greedy_tokens");
    auto draft = (*drafter)->Propose(DraftSpec{static_cast<int>(greedy.size()), std::nullopt});
    REQUIRE(draft.ok());
    CHECK(draft->tokens == greedy);
    // The post-norm state that predicted each greedy token.
    const int steps = static_cast<int>(greedy.size());
    CHECK(MaxDiff((*drafter)->HiddenRows(prompt - 1, steps).value(), ref["step_hidden"]) < kTolerance);
    CHECK(MaxDiff(model->llm().LmHead((*drafter)->HiddenRows(prompt - 1, steps).value()).value(), ref["step_logits"]) <
          kTolerance);
  }
}

}  // namespace
}  // namespace xsd
