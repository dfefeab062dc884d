// Parity with transformers: the fixtures of tools/fixtures/make_llama_fixtures.py
// (tiny random LlamaForCausalLM checkpoints and reference outputs computed on
// the CPU in float32). Both checkpoint layouts are loaded: the one
// transformers 5 saves and the one published hub checkpoints use.
//
// The fixtures are committed (tests/data/models); a missing one fails the
// case, naming the command that generates it (CTest label "parity").
#include <ATen/ATen.h>

#include <fstream>
#include <string>

#include "llama_test_models.h"
#include "xsd/core/acceptance.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// transformers' CPU float32 kernels against ours over two layers of width 64:
// rounding differences of order 1e-6; 1e-4 flags any real disagreement.
constexpr double kTol = 1e-4;

const std::string kDir = std::string(XSD_TEST_DATA_DIR) + "/models/";

bool Exists(const std::string& path) { return std::ifstream(path).good(); }

bool FixturePresent(const std::string& variant) {
  const bool present = Exists(kDir + variant + "_reference.safetensors") && Exists(kDir + variant + "/config.json") &&
                       Exists(kDir + variant + "_hub/config.json");
  if (!present) {
    FAIL_CHECK("parity fixture '" << variant << "' is absent from tests/data/models: parity with transformers NOT "
               "checked; generate it with: python3 tools/fixtures/make_llama_fixtures.py --out tests/data/models");
  }
  return present;
}

struct Reference {
  std::unique_ptr<SafetensorsFile> file;
  at::Tensor operator[](const std::string& name) const {
    auto t = file->Get(name);
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    return *t;
  }
  std::vector<int32_t> Ids(const std::string& name) const {
    const at::Tensor t = (*this)[name].to(at::kInt).contiguous();
    return std::vector<int32_t>(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + t.numel());
  }
};

Reference OpenReference(const std::string& variant) {
  auto file = SafetensorsFile::Open(kDir + variant + "_reference.safetensors");
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  return Reference{std::move(file).value()};
}

std::shared_ptr<const LlamaModel> Load(const std::string& dir) {
  LlamaLoadOptions options;
  options.checkpoint = kDir + dir;
  options.model.max_positions = 256;
  auto model = LoadLlamaCheckpoint(options);
  INFO(dir << ": " << model.status().ToString());
  REQUIRE(model.ok());
  return std::shared_ptr<const LlamaModel>(std::move(model).value());
}

double MaxDiff(const at::Tensor& a, const at::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

LlamaOutput Forward(const LlamaModel& model, KvCache& cache, const std::vector<int32_t>& ids,
                    const std::vector<int64_t>& positions, const at::Tensor& tree_mask = at::Tensor()) {
  LlamaInput input;
  input.tokens = *TokensTensor(ids, model.device());
  input.positions = *PositionsTensor(positions, model.device());
  input.tree_mask = tree_mask;
  auto out = model.Forward(input, &cache);
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  return *out;
}

std::vector<int64_t> Iota(int64_t start, size_t n) {
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<int64_t>(i);
  return v;
}

void CheckVariant(const std::string& variant) {
  if (!FixturePresent(variant)) return;
  const Reference ref = OpenReference(variant);
  const std::vector<int32_t> prompt = ref.Ids("prompt_ids");
  for (const std::string layout : {"", "_hub"}) {
    INFO("checkpoint " << variant << layout);
    const std::shared_ptr<const LlamaModel> model = Load(variant + layout);
    const int n = static_cast<int>(prompt.size());

    // (a) prefill
    auto cache = testing::MakeCache(*model, 64);
    const LlamaOutput prefill = Forward(*model, *cache, prompt, Iota(0, n));
    CHECK(MaxDiff(prefill.logits, ref["prefill_logits"]) < kTol);
    CHECK(MaxDiff(prefill.hidden, ref["prefill_hidden"]) < kTol);

    // (b) decode one token at a time against the cache
    REQUIRE(cache->Advance(n).ok());
    const std::vector<int32_t> decode = ref.Ids("decode_ids");
    std::vector<at::Tensor> logits, hidden;
    for (size_t i = 0; i < decode.size(); ++i) {
      const LlamaOutput step = Forward(*model, *cache, {decode[i]}, {n + static_cast<int64_t>(i)});
      REQUIRE(cache->Advance(1).ok());
      logits.push_back(step.logits);
      hidden.push_back(step.hidden);
    }
    CHECK(MaxDiff(at::cat(logits), ref["decode_logits"]) < kTol);
    CHECK(MaxDiff(at::cat(hidden), ref["decode_hidden"]) < kTol);

    // (c) chain verify after prompt[:-1]
    const std::vector<int32_t> head(prompt.begin(), prompt.end() - 1);
    auto chain_cache = testing::MakeCache(*model, 64);
    Forward(*model, *chain_cache, head, Iota(0, head.size()));
    REQUIRE(chain_cache->Advance(n - 1).ok());
    const std::vector<int32_t> chain = ref.Ids("chain_ids");
    const LlamaOutput chained = Forward(*model, *chain_cache, chain, Iota(n - 1, chain.size()));
    CHECK(MaxDiff(chained.logits, ref["chain_logits"]) < kTol);
    CHECK(MaxDiff(chained.hidden, ref["chain_hidden"]) < kTol);

    // (c') tree verify through LlamaVerifier: Prefill(prompt[:-1]), Verify(pending, tree)
    const std::vector<int32_t> tree = ref.Ids("tree_ids");
    const std::vector<int32_t> parents = ref.Ids("tree_parents");
    LlamaSequenceOptions options;
    options.max_seq_len = 64;
    auto verifier = LlamaVerifier::Create(model, options);
    REQUIRE(verifier.ok());
    Request request;
    request.prompt_tokens = head;
    REQUIRE((*verifier)->Prefill(request, OutputRequest()).ok());
    Draft draft;
    for (size_t i = 1; i < tree.size(); ++i) draft.Add(tree[i], parents[i] - 1);
    auto verified = (*verifier)->Verify(tree[0], draft, OutputRequest{true});
    REQUIRE(verified.ok());
    const at::Tensor tree_logits =
        at::from_blob(verified->logits.data(), {verified->rows, verified->vocab}, at::kFloat).clone();
    CHECK(MaxDiff(tree_logits, ref["tree_logits"]) < kTol);
    const at::Tensor ref_argmax = ref["tree_logits"].argmax(-1).to(at::kInt).contiguous();
    CHECK(verified->argmax == std::vector<TokenId>(ref_argmax.data_ptr<int32_t>(),
                                                   ref_argmax.data_ptr<int32_t>() + ref_argmax.numel()));

    // (d) greedy generation: the autoregressive scheduler against model.generate
    const std::vector<int32_t> generated = ref.Ids("generate_ids");
    auto target = LlamaVerifier::Create(model, options);
    REQUIRE(target.ok());
    auto greedy = MakeGreedyAcceptance();
    SchedulerOptions sched_options;
    sched_options.max_new_tokens = 20;
    auto ar = MakeAutoregressiveScheduler(target->get(), greedy.get(), sched_options);
    REQUIRE(ar.ok());
    Request generate;
    generate.prompt_tokens = prompt;
    auto result = (*ar)->Generate(generate);
    REQUIRE(result.ok());
    const std::vector<int32_t> ours(result->tokens.begin(), result->tokens.end());
    if (ours != generated) {
      // Only a near-tie of the logits (fp32 noise) may part the two.
      size_t i = 0;
      while (i < ours.size() && i < generated.size() && ours[i] == generated[i]) ++i;
      REQUIRE(i < ours.size());
      REQUIRE(i < generated.size());
      std::vector<int32_t> context = prompt;
      context.insert(context.end(), generated.begin(), generated.begin() + static_cast<int64_t>(i));
      auto step_cache = testing::MakeCache(*model, 64);
      const LlamaOutput step = Forward(*model, *step_cache, context, Iota(0, context.size()));
      const at::Tensor last = step.logits[step.logits.size(0) - 1];
      const double margin = std::abs(last[generated[i]].item<double>() - last[ours[i]].item<double>());
      WARN(variant << layout << ": generation parts from transformers at token " << i << " (HF " << generated[i]
                   << ", ours " << ours[i] << "), logit margin " << margin);
      CHECK(margin <= 1e-4);
    }
  }
}

TEST_CASE("Parity with transformers: tiny LLaMA, GQA, rope_theta 500", "[models][llama][parity]") {
  CheckVariant("llama_tiny");
}

TEST_CASE("Parity with transformers: tiny LLaMA with llama3 RoPE scaling", "[models][llama][parity]") {
  CheckVariant("llama_tiny_llama3");
}

TEST_CASE("Both checkpoint layouts parse to the same LlamaConfig", "[models][llama][parity]") {
  for (const std::string variant : {"llama_tiny", "llama_tiny_llama3"}) {
    if (!FixturePresent(variant)) continue;
    auto v5 = LoadLlamaConfig(kDir + variant);
    auto hub = LoadLlamaConfig(kDir + variant + "_hub");
    INFO(v5.status().ToString() << " / " << hub.status().ToString());
    REQUIRE(v5.ok());
    REQUIRE(hub.ok());
    CHECK(v5->head_dim == 16);
    CHECK(hub->head_dim == 16);
    CHECK(v5->num_kv_heads == 2);
    CHECK(v5->rope.type == hub->rope.type);
    CHECK(v5->rope.theta == hub->rope.theta);
    CHECK(v5->rope.factor == hub->rope.factor);
    CHECK(v5->rope.original_max_position_embeddings == hub->rope.original_max_position_embeddings);
  }
}

}  // namespace
}  // namespace xsd
