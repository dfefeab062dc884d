// The decode-phase hidden-state head drafter (B1 / L5) over a real LLaMA
// target: its drafts follow the head's window rule, and greedy speculative
// output through the config path equals the target's plain greedy output.
#include <ATen/ATen.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "support/scratch_dir.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/config/pipeline.h"
#include "xsd/drafters/hidden_head_drafter.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/models/weights_map.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

AdapterDims TinyDims() {
  AdapterDims d;
  d.hidden = 64;  // the "tiny" LLaMA preset
  d.heads = 4;
  d.ffn = 32;
  d.max_positions = 128;
  return d;
}

// Random parameters of `kind`, written as a safetensors checkpoint in `dir`
// (one file per kind, hidden size and seed).
std::string WriteRandomAdapter(const testing::ScratchDir& dir, AdapterKind kind, const AdapterDims& dims,
                               uint64_t seed) {
  at::manual_seed(seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const ParamSpec& p : AdapterParameters(kind, dims)) {
    at::Tensor t = at::randn(p.shape) * 0.2;
    if (p.init == ParamSpec::Init::kOnes) t = t + 1;
    if (p.init == ParamSpec::Init::kAlpha) t = at::full(p.shape, 0.5);
    tensors.push_back({p.name, t});
  }
  const std::string path =
      dir.File(absl::StrCat(AdapterKindName(kind), "_h", dims.hidden, "_s", seed, ".safetensors"));
  REQUIRE(WriteSafetensors(path, tensors).ok());
  return path;
}

std::shared_ptr<const LlamaModel> TinyTarget() {
  auto config = LlamaPresetConfig("tiny");
  REQUIRE(config.ok());
  auto weights = RandomLlamaWeights(*config, 3, WeightSourceOptions());
  REQUIRE(weights.ok());
  auto model = LlamaModel::Load(*config, weights->get());
  REQUIRE(model.ok());
  return std::shared_ptr<const LlamaModel>(std::move(model).value());
}

TEST_CASE("HiddenHeadDrafter drafts from the window of target states", "[adapters][hidden_head]") {
  const testing::ScratchDir dir("hidden_head");
  const AdapterDims dims = TinyDims();
  const std::string path = WriteRandomAdapter(dir, AdapterKind::kB1, dims, 5);
  auto model = TinyTarget();
  LlamaSequenceOptions so;
  so.max_seq_len = 256;
  auto target = LlamaVerifier::Create(model, so);
  REQUIRE(target.ok());
  auto file = SafetensorsFile::Open(path);
  REQUIRE(file.ok());
  MapWeightSource weights(WeightSourceOptions(), "b1");
  for (const auto& name : (*file)->Names()) weights.Set(name, (*file)->Get(name).value());
  auto head = LoadAdapter(AdapterKind::kB1, dims, weights);
  REQUIRE(head.ok());
  const Adapter* head_view = head->get();
  auto drafter = HiddenHeadDrafter::Create(std::move(head).value(), target->get(), HiddenHeadOptions{dims.max_positions});
  REQUIRE(drafter.ok());

  Request r;
  r.prompt_tokens = {5, 17, 99, 3, 42};
  auto out = (*target)->Prefill(r, {});
  REQUIRE(out.ok());
  const at::Tensor prompt_states = (*target)->committed_hidden()->clone();
  REQUIRE((*drafter)->Begin(DraftContext{&r, {}, 1}).ok());
  RoundOutcome first;
  const std::vector<TokenId> committed = {out->argmax[0]};
  first.committed = committed;
  first.target.hidden = (*target)->committed_hidden();
  REQUIRE((*drafter)->Observe(first).ok());
  auto draft = (*drafter)->Propose(DraftSpec{2, std::nullopt});
  REQUIRE(draft.ok());
  REQUIRE(draft->size() == 2);

  // By hand: the window starts with the last prompt state; each draft is the
  // LM head's argmax of the head's last row, whose prediction joins the window.
  at::Tensor window = prompt_states.narrow(0, prompt_states.size(0) - 1, 1);
  const at::Tensor& lm_head = model->lm_head_weight();
  for (int j = 0; j < 2; ++j) {
    AdapterInput in;
    in.target_hidden = &window;
    at::Tensor pred;
    REQUIRE(head_view->Map(in, &pred).ok());
    const at::Tensor last = pred.narrow(0, pred.size(0) - 1, 1);
    CHECK(draft->tokens[j] == at::linear(last, lm_head).argmax(-1).item<int64_t>());
    window = at::cat({window, last}, 0);
  }
}

// A drafter whose cache is full drafts fewer tokens (drafter.h): an L5F
// head whose stream drafter holds fewer positions than the chain needs.
TEST_CASE("An L5F head drafts what its stream's cache allows", "[adapters][hidden_head]") {
  auto model = TinyTarget();
  LlamaSequenceOptions so;
  so.max_seq_len = 64;
  auto target = LlamaVerifier::Create(model, so);
  REQUIRE(target.ok());
  LlamaSequenceOptions stream_options;
  stream_options.max_seq_len = 6;  // the prompt's 5 rows, then 2 generated states
  LlamaDrafterExtras extras;
  extras.hidden_rows = true;
  auto stream = LlamaDrafter::CreateWithPromptEncoder(model, stream_options,
                                                      MakeTextPromptEncoder(nullptr, "stream"), std::move(extras));
  REQUIRE(stream.ok());
  auto head = MakeRandomAdapter(AdapterKind::kL5F, TinyDims(), 4, c10::Device(c10::DeviceType::CPU),
                                c10::ScalarType::Float);
  REQUIRE(head.ok());
  HiddenHeadStream source;
  source.owned = std::move(stream).value();
  auto drafter = HiddenHeadDrafter::Create(std::move(head).value(), target->get(), HiddenHeadOptions{64},
                                           std::move(source));
  REQUIRE(drafter.ok());
  Request r;
  r.prompt_tokens = {5, 17, 99, 3, 42};
  auto out = (*target)->Prefill(r, {});
  REQUIRE(out.ok());
  REQUIRE((*drafter)->Begin(DraftContext{&r, {}, 1}).ok());
  RoundOutcome first;
  const std::vector<TokenId> committed = {out->argmax[0]};
  first.committed = committed;
  first.target.hidden = (*target)->committed_hidden();
  REQUIRE((*drafter)->Observe(first).ok());
  auto draft = (*drafter)->Propose(DraftSpec{4, std::nullopt});
  INFO(draft.status().ToString());
  REQUIRE(draft.ok());
  CHECK(draft->size() == 2);
}

TEST_CASE("Only next-state heads over target states can draft", "[adapters][hidden_head]") {
  auto model = TinyTarget();
  auto target = LlamaVerifier::Create(model, LlamaSequenceOptions());
  REQUIRE(target.ok());
  const AdapterDims dims = TinyDims();
  auto l1 = MakeRandomAdapter(AdapterKind::kL1, dims, 1, c10::Device(c10::DeviceType::CPU), c10::ScalarType::Float);
  REQUIRE(l1.ok());
  CHECK_FALSE(HiddenHeadDrafter::Create(std::move(l1).value(), target->get(), {}).ok());  // not a next-state head
}

TEST_CASE("B1 decode drafting through the config path is lossless", "[adapters][hidden_head][lossless]") {
  const testing::ScratchDir dir("hidden_head");
  const std::string path = WriteRandomAdapter(dir, AdapterKind::kB1, TinyDims(), 9);
  const std::string target = R"pb(target { name: "llama" llama { checkpoint { random_preset: "tiny" } random_seed: 3 max_seq_len: 512 } })pb";
  const std::string sd = absl::StrCat(target, R"pb( max_new_tokens: 40
      drafter { name: "hidden_head" hidden_head { adapter { name: "B1" heads: 4 checkpoint: ")pb", path, R"pb(" } } }
      scheduler { name: "speculative" gamma: 3 })pb");
  const std::string ar = absl::StrCat(target, R"pb( max_new_tokens: 40 scheduler { name: "autoregressive" })pb");
  auto sd_pipe = Pipeline::FromTextProto(sd, "b1_decode");
  INFO(sd_pipe.status().ToString());
  REQUIRE(sd_pipe.ok());
  auto ar_pipe = Pipeline::FromTextProto(ar, "baseline");
  REQUIRE(ar_pipe.ok());
  for (int i = 0; i < 4; ++i) {
    Request r;
    r.prompt_tokens = {1, static_cast<TokenId>(10 + i), 7, static_cast<TokenId>(100 + 3 * i)};
    auto a = (*sd_pipe)->Generate(r);
    auto b = (*ar_pipe)->Generate(r);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->tokens == b->tokens);
    CHECK(a->stats.drafted > 0);
    CHECK(a->stats.new_tokens == 1 + a->stats.accepted + a->stats.bonus);
  }
}

TEST_CASE("Adapter configs are checked against the target", "[adapters][config]") {
  const testing::ScratchDir dir("hidden_head");
  const std::string path = WriteRandomAdapter(dir, AdapterKind::kB1, TinyDims(), 2);
  auto wrong_width = AdapterDims();
  wrong_width.hidden = 32;
  wrong_width.heads = 4;
  wrong_width.ffn = 8;
  wrong_width.max_positions = 16;
  const std::string narrow = WriteRandomAdapter(dir, AdapterKind::kB1, wrong_width, 2);
  const std::string base = R"pb(target { name: "llama" llama { checkpoint { random_preset: "tiny" } } } scheduler { name: "speculative" })pb";
  auto p = Pipeline::FromTextProto(absl::StrCat(base, R"pb( drafter { name: "hidden_head" hidden_head { adapter { name: "B1" heads: 4 checkpoint: ")pb",
                                                narrow, R"pb(" } } })pb"), "narrow");
  REQUIRE_FALSE(p.ok());
  CHECK(std::string(p.status().message()).find("differs from the target's hidden size 64") != std::string::npos);
  auto unknown = Pipeline::FromTextProto(absl::StrCat(base, R"pb( drafter { name: "hidden_head" hidden_head { adapter { name: "L7" } } })pb"), "u");
  REQUIRE_FALSE(unknown.ok());
  CHECK(std::string(unknown.status().message()).find("known adapters: B1, L1, L2, L3, L4, L5, L5F, identity") != std::string::npos);
  auto missing = Pipeline::FromTextProto(absl::StrCat(base, R"pb( drafter { name: "hidden_head" hidden_head { adapter { name: "B1" checkpoint: "/nope/B1.safetensors" } } })pb"), "m");
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.status().message()).find("/nope/B1.safetensors") != std::string::npos);
}

}  // namespace
}  // namespace xsd
