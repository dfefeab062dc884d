// Video-LLaVA on tiny random checkpoints written by the library's writer:
// both layouts, the <video> expansion, tensor-name errors, and the verifier
// against the LLM run by hand.
#include <ATen/ATen.h>

#include "model_test_util.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd/vision/video_llava_verifier.h"

namespace xsd {
namespace {

using testing::MapOf;
using testing::MaxDiff;
using testing::TinyCheckpoint;

std::unique_ptr<VideoLlavaModel> LoadModel(const std::string& dir) {
  VideoLlavaLoadOptions options;
  options.checkpoint = dir;
  auto model = VideoLlavaModel::Load(options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::move(model).value();
}

at::Tensor Frames(int count, int size, uint64_t seed) {
  at::manual_seed(seed);
  return at::randn({count, 3, size, size});
}

TEST_CASE("Video-LLaVA: the hub and transformers-5 layouts load and agree", "[vision][video_llava]") {
  auto hub = LoadModel(TinyCheckpoint("video_llava_tiny", "hub"));
  auto t5 = LoadModel(TinyCheckpoint("video_llava_tiny", "transformers5"));
  CHECK(hub->config().text.head_dim == t5->config().text.head_dim);
  CHECK(hub->config().video_token == t5->config().video_token);
  const at::Tensor frames = Frames(8, 224, 1);
  const std::vector<TokenId> prompt = {1, 50, 60, hub->config().video_token, 70, 80};
  auto a = hub->PromptEmbeddings(prompt, frames);
  auto b = t5->PromptEmbeddings(prompt, frames);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(MaxDiff(*a, *b) == 0.0);
}

TEST_CASE("Video-LLaVA: <video> expands in place to F x tokens-per-frame embeddings", "[vision][video_llava]") {
  auto model = LoadModel(TinyCheckpoint("video_llava_tiny"));
  const int per_frame = model->visual().TokensPerFrame();
  CHECK(per_frame == model->config().vision.num_positions());  // CLS kept for video
  // The real shapes: 8 frames of CLIP ViT-L/14 at 224 px give 2 056 embeddings.
  CHECK(8 * ClipVitL14_224().num_positions() == 2056);

  auto tokenizer = Tokenizer::Load(TinyCheckpoint("video_llava_tiny"));
  REQUIRE(tokenizer.ok());
  auto prompt = VideoLlavaPromptIds(**tokenizer, "What is moving?", model->config().video_token);
  REQUIRE(prompt.ok());
  const int at = static_cast<int>(std::find(prompt->begin(), prompt->end(), model->config().video_token) - prompt->begin());
  CHECK((*prompt)[0] == (*tokenizer)->bos_id());

  const at::Tensor frames = Frames(8, 224, 2);
  auto embeds = model->PromptEmbeddings(*prompt, frames);
  REQUIRE(embeds.ok());
  const int length = static_cast<int>(prompt->size());
  CHECK(embeds->size(0) == length - 1 + 8 * per_frame);
  auto visual = model->visual().Encode(frames);
  auto text = model->llm().Embed(TokensTensor(*prompt, model->llm().device()).value());
  REQUIRE(visual.ok());
  REQUIRE(text.ok());
  CHECK(MaxDiff(embeds->slice(0, 0, at), text->slice(0, 0, at)) == 0.0);
  CHECK(MaxDiff(embeds->slice(0, at, at + 8 * per_frame), *visual) == 0.0);
  CHECK(MaxDiff(embeds->slice(0, at + 8 * per_frame), text->slice(0, at + 1)) == 0.0);

  SECTION("a prompt without exactly one video token is refused") {
    std::vector<TokenId> none(prompt->begin(), prompt->begin() + at);
    CHECK_FALSE(model->PromptEmbeddings(none, frames).ok());
    std::vector<TokenId> two = *prompt;
    two.push_back(model->config().video_token);
    CHECK_FALSE(model->PromptEmbeddings(two, frames).ok());
    auto bad = VideoLlavaPromptIds(**tokenizer, "why <video> twice?", model->config().video_token);
    CHECK_FALSE(bad.ok());
  }
}

TEST_CASE("Video-LLaVA: image tower ignored, unexpected / missing / mis-shaped tensors named", "[vision][video_llava]") {
  const std::string dir = TinyCheckpoint("video_llava_tiny");
  auto config = LoadVideoLlavaConfig(dir);
  REQUIRE(config.ok());
  SECTION("the checkpoint as written (image tower present) loads") {
    auto map = MapOf(dir);
    CHECK(map->Has("image_tower.vision_model.embeddings.class_embedding"));
    CHECK(VideoLlavaModel::FromWeights(*config, map.get()).ok());
  }
  SECTION("unexpected") {
    auto map = MapOf(dir);
    map->Set("multi_modal_projector.linear_3.weight", at::zeros({4, 4}));
    auto model = VideoLlavaModel::FromWeights(*config, map.get());
    REQUIRE_FALSE(model.ok());
    CHECK(model.status().message().find("multi_modal_projector.linear_3.weight") != std::string::npos);
  }
  SECTION("missing") {
    auto map = MapOf(dir);
    map->Erase("video_tower.vision_model.encoder.layers.1.mlp.fc2.bias");
    auto model = VideoLlavaModel::FromWeights(*config, map.get());
    REQUIRE_FALSE(model.ok());
    CHECK(model.status().message().find("video_tower.vision_model.encoder.layers.1.mlp.fc2.bias") != std::string::npos);
  }
  SECTION("mis-shaped") {
    auto map = MapOf(dir);
    map->Set("multi_modal_projector.linear_1.weight", at::zeros({32, 31}));
    auto model = VideoLlavaModel::FromWeights(*config, map.get());
    REQUIRE_FALSE(model.ok());
    CHECK(model.status().message().find("multi_modal_projector.linear_1.weight") != std::string::npos);
    CHECK(model.status().message().find("[32, 31]") != std::string::npos);
  }
}

TEST_CASE("Video-LLaVA verifier: prefill and verify equal the LLM run by hand", "[vision][video_llava]") {
  std::shared_ptr<const VideoLlavaModel> model = LoadModel(TinyCheckpoint("video_llava_tiny"));
  VideoLlavaVerifierOptions options;
  options.max_seq_len = 1024;
  auto verifier = VideoLlavaVerifier::Create(model, options, nullptr);
  REQUIRE(verifier.ok());
  const std::vector<TokenId> prompt = {1, 100, 200, model->config().video_token, 300, 400, 500};
  const at::Tensor frames = Frames(8, 224, 3);
  OutputRequest want_logits;
  want_logits.logits = true;
  auto first = (*verifier)->PrefillWithInputs(prompt, frames, want_logits);
  REQUIRE(first.ok());
  const int n = static_cast<int>(prompt.size()) - 1 + 8 * model->visual().TokensPerFrame();
  CHECK((*verifier)->cache_length() == n);
  CHECK((*verifier)->prefill_breakdown().prompt_tokens == n);
  CHECK((*verifier)->prefill_breakdown().vision_ms > 0);
  REQUIRE((*verifier)->features() != nullptr);
  REQUIRE((*verifier)->features()->committed_hidden() != nullptr);
  CHECK((*verifier)->features()->committed_hidden()->size(0) == n);

  // By hand: the LLM over the spliced embeddings, then the chain one token at a time.
  const LlamaModel& llm = model->llm();
  auto cache = KvCache::Create(llm.CacheSpec(1024));
  REQUIRE(cache.ok());
  LlamaInput input;
  input.embeds = model->PromptEmbeddings(prompt, frames).value();
  input.positions = PositionRange(0, n, llm.device()).value();
  input.logits = LogitsRows::kLast;
  auto ref = llm.Forward(input, cache->get());
  REQUIRE(ref.ok());
  REQUIRE((*cache)->Advance(n).ok());
  CHECK(MaxDiff(at::from_blob(first->logits.data(), {1, first->vocab}), ref->logits) < 1e-5);

  const TokenId pending = first->argmax[0];
  const std::vector<TokenId> chain = {5, 17, 900};
  auto verified = (*verifier)->Verify(pending, Draft::Chain(chain), want_logits);
  REQUIRE(verified.ok());
  std::vector<TokenId> fed = {pending};
  fed.insert(fed.end(), chain.begin(), chain.end());
  for (size_t i = 0; i < fed.size(); ++i) {
    LlamaInput step;
    step.tokens = TokensTensor({fed[i]}, llm.device()).value();
    step.positions = PositionRange(n + static_cast<int>(i), 1, llm.device()).value();
    auto out = llm.Forward(step, cache->get());
    REQUIRE(out.ok());
    REQUIRE((*cache)->Advance(1).ok());
    INFO("row " << i);
    CHECK(MaxDiff(at::from_blob(const_cast<float*>(verified->Logits(static_cast<int>(i)).data()), {1, verified->vocab}),
                  out->logits) < 1e-4);
  }
  REQUIRE((*verifier)->Commit({0, 1}).ok());
  CHECK((*verifier)->cache_length() == n + 3);
  CHECK((*verifier)->features()->lm_head() == &llm.lm_head_weight());
}

}  // namespace
}  // namespace xsd
