// EventGPT on tiny random checkpoints: loading, prompt split, and the drafter
// (own greedy decoding, rollback on Observe, hidden states, draft head)
// against the LLM run by hand on a fresh cache.
#include <ATen/ATen.h>

#include "model_test_util.h"
#include "xsd/core/adapter.h"
#include "xsd/io/safetensors.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/weights_map.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/multimodal_inputs.h"

namespace xsd {
namespace {

using testing::MapOf;
using testing::MaxDiff;
using testing::TinyCheckpoint;

std::shared_ptr<const EventGptModel> LoadModel(bool adaptor_twice = false) {
  EventGptLoadOptions options;
  options.checkpoint = TinyCheckpoint("eventgpt_tiny");
  options.feature_adaptor_twice = adaptor_twice;
  auto model = EventGptModel::Load(options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::shared_ptr<const EventGptModel>(std::move(model).value());
}

struct Inputs {
  std::vector<TokenId> before = {1, 40, 41, 42};
  std::vector<TokenId> after = {43, 44, 45};
  at::Tensor pixels;
  Inputs() {
    at::manual_seed(21);
    pixels = at::randn({1, 3, 336, 336});
  }
};

// Greedy reference on a fresh cache: the prompt, then `fed` tokens, then
// `steps` greedy tokens. Returns the greedy tokens and the post-norm hidden
// state of every position.
struct Reference {
  std::vector<TokenId> tokens;
  at::Tensor hidden;  // [positions, d]
};

Reference Greedy(const EventGptModel& model, const Inputs& in, const std::vector<TokenId>& fed, int steps) {
  const LlamaModel& llm = model.llm();
  auto cache = KvCache::Create(llm.CacheSpec(512));
  REQUIRE(cache.ok());
  std::vector<at::Tensor> hidden;
  auto run = [&](LlamaInput input, int rows) {
    input.positions = PositionRange((*cache)->length(), rows, llm.device()).value();
    input.logits = LogitsRows::kLast;
    auto out = llm.Forward(input, cache->get());
    REQUIRE(out.ok());
    REQUIRE((*cache)->Advance(rows).ok());
    hidden.push_back(out->hidden);
    return static_cast<TokenId>(out->logits.argmax(-1).item<int64_t>());
  };
  LlamaInput prompt;
  prompt.embeds = model.PromptEmbeddings(in.before, in.after, in.pixels).value();
  TokenId next = run(prompt, static_cast<int>(prompt.embeds.size(0)));
  for (TokenId t : fed) {
    LlamaInput step;
    step.tokens = TokensTensor({t}, llm.device()).value();
    next = run(step, 1);
  }
  Reference ref;
  for (int i = 0; i < steps; ++i) {
    ref.tokens.push_back(next);
    LlamaInput step;
    step.tokens = TokensTensor({next}, llm.device()).value();
    next = run(step, 1);
  }
  ref.hidden = at::cat(hidden);
  return ref;
}

std::unique_ptr<EventGptDrafter> MakeDrafter(std::shared_ptr<const EventGptModel> model,
                                             std::unique_ptr<DraftHead> head = nullptr,
                                             LlamaStepMode mode = LlamaStepMode::kEager) {
  EventGptDrafterOptions options;
  options.max_seq_len = 512;
  options.step_mode = mode;
  auto drafter = EventGptDrafter::Create(std::move(model), options, nullptr, std::move(head));
  REQUIRE(drafter.ok());
  return std::move(drafter).value();
}

TEST_CASE("EventGPT: checkpoint names, feature adaptor switch, visual tokens", "[vision][eventgpt]") {
  auto once = LoadModel(false);
  auto twice = LoadModel(true);
  CHECK(once->config().feature_adaptor.value_or(false));
  CHECK(once->visual().spec().feature_adaptor);
  const Inputs in;
  auto a = once->visual().Encode(in.pixels);
  auto b = twice->visual().Encode(in.pixels);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size(0) == 1 + once->config().vision.num_positions());  // T + S: 578 for CLIP-336
  CHECK(MaxDiff(*a, *b) > 1e-6);  // the second application changes the features
  // The real shapes: one event frame of CLIP ViT-L/14-336 gives 578 embeddings.
  CHECK(1 + ClipVitL14_336().num_positions() == 578);
}

TEST_CASE("EventGPT: tower found in the checkpoint or in a separate CLIP checkpoint", "[vision][eventgpt]") {
  const std::string dir = TinyCheckpoint("eventgpt_tiny");
  auto config = LoadEventGptConfig(dir);
  REQUIRE(config.ok());
  const std::string tower = "model.visual_tower.visual_tower.";
  auto weights = MapOf(dir);
  CHECK(FindEventGptTowerScope(*weights) == tower);

  SECTION("unexpected tensors are named") {
    weights->Set("model.visual_projector.4.weight", at::zeros({2, 2}));
    auto model = EventGptModel::FromWeights(*config, weights.get(), weights.get(), false);
    REQUIRE_FALSE(model.ok());
    CHECK(model.status().message().find("model.visual_projector.4.weight") != std::string::npos);
  }
  SECTION("a separate CLIP checkpoint (hub layout, with a text half to ignore)") {
    WeightSourceOptions options;
    MapWeightSource clip(options, "clip");
    for (const auto& [name, t] : std::map<std::string, at::Tensor>(weights->tensors())) {
      if (name.rfind(tower, 0) == 0) {
        clip.Set(name.substr(tower.size()), t);
        weights->Erase(name);
      }
    }
    clip.Set("text_model.embeddings.token_embedding.weight", at::zeros({8, 4}));
    clip.Set("logit_scale", at::zeros({}));
    CHECK(FindEventGptTowerScope(*weights).empty());
    auto separate = EventGptModel::FromWeights(*config, weights.get(), &clip, false);
    INFO(separate.status().ToString());
    REQUIRE(separate.ok());
    auto inside = LoadModel(false);
    const Inputs in;
    CHECK(MaxDiff((*separate)->visual().Encode(in.pixels).value(), inside->visual().Encode(in.pixels).value()) == 0.0);
  }
  SECTION("no tower anywhere is a clear error") {
    for (const auto& [name, t] : std::map<std::string, at::Tensor>(weights->tensors())) {
      if (name.rfind(tower, 0) == 0) weights->Erase(name);
    }
    auto model = EventGptModel::FromWeights(*config, weights.get(), weights.get(), false);
    REQUIRE_FALSE(model.ok());
    CHECK(model.status().message().find("mm_visual_tower") != std::string::npos);
  }
}

TEST_CASE("EventGPT prompt: two chunks around <event>, one BOS", "[vision][eventgpt]") {
  auto tokenizer = Tokenizer::Load(testing::TestTokenizerDir());
  REQUIRE(tokenizer.ok());
  auto ids = EventGptPromptIds(**tokenizer, "What is ahead?");
  REQUIRE(ids.ok());
  REQUIRE_FALSE(ids->before.empty());
  REQUIRE_FALSE(ids->after.empty());
  CHECK(ids->before[0] == (*tokenizer)->bos_id());
  CHECK(std::count(ids->after.begin(), ids->after.end(), (*tokenizer)->bos_id()) == 0);
  auto before = (*tokenizer)->Decode(ids->before, /*skip_special=*/true);
  auto after = (*tokenizer)->Decode(ids->after, /*skip_special=*/true);
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  CHECK(before->rfind("A chat between a curious human", 0) == 0);
  CHECK(before->find("USER:") != std::string::npos);
  CHECK(after->find("What is ahead? ASSISTANT:") != std::string::npos);
  CHECK_FALSE(EventGptPromptIds(**tokenizer, "a second <event> here").ok());
}

TEST_CASE("EventGPT drafter: own greedy chain and hidden states equal the LLM by hand", "[vision][eventgpt]") {
  // kStatic: the decode steps CUDA graphs replay (device-side token feeding).
  const LlamaStepMode mode = GENERATE(LlamaStepMode::kEager, LlamaStepMode::kStatic);
  INFO("step mode " << LlamaStepModeName(mode));
  auto model = LoadModel();
  const Inputs in;
  auto drafter = MakeDrafter(model, nullptr, mode);
  CHECK(drafter->capabilities().own_prefill);
  CHECK_FALSE(drafter->capabilities().revises_speculation);
  REQUIRE(drafter->BeginWithInputs(in.before, in.after, in.pixels).ok());
  const int prompt = drafter->prompt_length();
  CHECK(prompt == static_cast<int>(in.before.size() + in.after.size()) + 1 + model->config().vision.num_positions());
  CHECK(drafter->prefill_breakdown().prompt_tokens == prompt);

  const Reference ref = Greedy(*model, in, {}, 6);
  // Prefill hiding asks one token at a time; then a chain of 3.
  std::vector<TokenId> proposed;
  for (int i = 0; i < 3; ++i) {
    auto d = drafter->Propose(DraftSpec{1, std::nullopt});
    REQUIRE(d.ok());
    REQUIRE(d->size() == 1);
    CHECK(d->parents[0] == -1);
    proposed.push_back(d->tokens[0]);
  }
  auto chain = drafter->Propose(DraftSpec{3, std::nullopt});
  REQUIRE(chain.ok());
  CHECK(chain->IsChain());
  proposed.insert(proposed.end(), chain->tokens.begin(), chain->tokens.end());
  CHECK(proposed == ref.tokens);
  auto speculation = drafter->Speculation();
  REQUIRE(speculation.ok());
  CHECK(speculation->tokens == ref.tokens);
  // Every cached position's post-norm hidden state (prompt + 5 fed tokens).
  CHECK(drafter->cache().length() == prompt + 5);
  auto hidden = drafter->HiddenRows(0, prompt + 5);
  REQUIRE(hidden.ok());
  CHECK(MaxDiff(*hidden, ref.hidden.slice(0, 0, prompt + 5)) < 1e-5);
  CHECK_FALSE(drafter->HiddenRows(0, prompt + 6).ok());
}

TEST_CASE("EventGPT drafter: Observe rolls back to the prefix shared with the committed tokens", "[vision][eventgpt]") {
  const LlamaStepMode mode = GENERATE(LlamaStepMode::kEager, LlamaStepMode::kStatic);
  INFO("step mode " << LlamaStepModeName(mode));
  auto model = LoadModel();
  const Inputs in;
  auto drafter = MakeDrafter(model, nullptr, mode);
  REQUIRE(drafter->BeginWithInputs(in.before, in.after, in.pixels).ok());
  const int prompt = drafter->prompt_length();
  auto first = drafter->Propose(DraftSpec{4, std::nullopt});
  REQUIRE(first.ok());
  REQUIRE(first->size() == 4);
  const std::vector<TokenId> d = first->tokens;
  CHECK(drafter->cache().length() == prompt + 3);  // the last drafted token is not fed yet

  SECTION("a correction after two matching tokens keeps their rows") {
    const TokenId wrong = (d[2] + 1) % model->llm().config().vocab_size;
    const std::vector<TokenId> committed = {d[0], d[1], wrong};
    REQUIRE(drafter->Observe(RoundOutcome{committed, {0, 1}, {}}).ok());
    CHECK(drafter->cache().length() == prompt + 2);
    auto next = drafter->Propose(DraftSpec{3, std::nullopt});
    REQUIRE(next.ok());
    CHECK(next->tokens == Greedy(*model, in, committed, 3).tokens);
    CHECK(drafter->own_tokens().size() == 6);
  }
  SECTION("all four accepted plus a bonus token") {
    const std::vector<TokenId> committed = {d[0], d[1], d[2], d[3], 7};
    REQUIRE(drafter->Observe(RoundOutcome{committed, {0, 1, 2, 3}, {}}).ok());
    CHECK(drafter->cache().length() == prompt + 3);  // d[3] was never fed
    auto next = drafter->Propose(DraftSpec{2, std::nullopt});
    REQUIRE(next.ok());
    CHECK(next->tokens == Greedy(*model, in, committed, 2).tokens);
  }
  SECTION("a first token that differs from the first draft rolls back to the prompt") {
    const TokenId other = (d[0] + 1) % model->llm().config().vocab_size;
    REQUIRE(drafter->Observe(RoundOutcome{std::vector<TokenId>{other}, {}, {}}).ok());
    CHECK(drafter->cache().length() == prompt);
    auto next = drafter->Propose(DraftSpec{2, std::nullopt});
    REQUIRE(next.ok());
    CHECK(next->tokens == Greedy(*model, in, {other}, 2).tokens);
  }
}

// Maps hidden states with a fixed sign: +1 is the identity adapter, -1 turns
// the drafter's argmax into its argmin.
class SignAdapter final : public Adapter {
 public:
  explicit SignAdapter(double sign) : sign_(sign) {}
  const std::string& name() const override { return name_; }
  AdapterCapabilities capabilities() const override { return {}; }
  int64_t parameter_count() const override { return 0; }
  absl::Status Map(const AdapterInput& input, at::Tensor* out) const override {
    *out = *input.drafter_hidden * sign_;
    return absl::OkStatus();
  }

 private:
  double sign_;
  std::string name_ = "sign";
};

TEST_CASE("EventGPT drafter: drafts come from the draft head, its own LLM continues greedily", "[vision][eventgpt]") {
  auto model = LoadModel();
  const Inputs in;
  const Reference ref = Greedy(*model, in, {}, 4);
  const at::Tensor* lm_head = &model->llm().lm_head_weight();

  auto identity = MakeDrafter(model, MakeAdapterDraftHead(std::make_unique<SignAdapter>(1.0), lm_head));
  REQUIRE(identity->BeginWithInputs(in.before, in.after, in.pixels).ok());
  auto same = identity->Propose(DraftSpec{4, std::nullopt});
  REQUIRE(same.ok());
  CHECK(same->tokens == ref.tokens);

  auto negated = MakeDrafter(model, MakeAdapterDraftHead(std::make_unique<SignAdapter>(-1.0), lm_head));
  REQUIRE(negated->BeginWithInputs(in.before, in.after, in.pixels).ok());
  auto drafts = negated->Propose(DraftSpec{4, std::nullopt});
  REQUIRE(drafts.ok());
  const int prompt = negated->prompt_length();
  for (int i = 0; i < 4; ++i) {
    INFO("draft " << i);
    // The row that predicted output position i: argmin of the drafter's own logits.
    const at::Tensor logits = model->llm().LmHead(ref.hidden.slice(0, prompt - 1 + i, prompt + i)).value();
    CHECK(drafts->tokens[i] == static_cast<TokenId>(logits.argmin(-1).item<int64_t>()));
  }
  CHECK(negated->own_tokens() == ref.tokens);
}

}  // namespace
}  // namespace xsd
