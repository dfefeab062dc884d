// LlamaVerifier and LlamaDrafter: cache contents after Verify + Commit equal
// the autoregressive cache, and greedy speculative decoding through the real
// schedulers equals greedy autoregressive decoding token for token.
#include "xsd/models/llama_verifier.h"

#include <ATen/ATen.h>

#include "llama_reference.h"
#include "llama_test_models.h"
#include "xsd/base/rng.h"
#include "xsd/core/acceptance.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/schedulers/schedulers.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::MakeCache;
using testing::MakeTinyModel;
using testing::MaxAbsDiff;

std::unique_ptr<LlamaVerifier> MakeVerifier(std::shared_ptr<const LlamaModel> model, int max_seq_len = 96,
                                            LlamaStepMode mode = LlamaStepMode::kEager) {
  LlamaSequenceOptions options;
  options.max_seq_len = max_seq_len;
  options.step_mode = mode;
  auto v = LlamaVerifier::Create(std::move(model), options);
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  return std::move(v).value();
}

std::unique_ptr<LlamaDrafter> MakeDrafter(std::shared_ptr<const LlamaModel> model, int max_seq_len = 96,
                                          LlamaStepMode mode = LlamaStepMode::kEager) {
  LlamaSequenceOptions options;
  options.max_seq_len = max_seq_len;
  options.step_mode = mode;
  auto d = LlamaDrafter::Create(std::move(model), options);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  return std::move(d).value();
}

Request PromptRequest(std::vector<TokenId> prompt) {
  Request r;
  r.id = "test";
  r.prompt_tokens = std::move(prompt);
  return r;
}

// Logits after `context` from one fresh full forward (no speculation involved).
at::Tensor NextLogits(const LlamaModel& model, const std::vector<TokenId>& context) {
  auto cache = MakeCache(model, static_cast<int>(context.size()) + 1);
  LlamaInput input;
  input.tokens = *TokensTensor(context, model.device());
  input.positions = *PositionRange(0, static_cast<int64_t>(context.size()), model.device());
  input.logits = LogitsRows::kLast;
  auto out = model.Forward(input, cache.get());
  REQUIRE(out.ok());
  return out->logits[0];
}

TEST_CASE("Verify + Commit leaves the cache the autoregressive run leaves", "[models][llama][verifier]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 17);
  const std::vector<TokenId> prompt = {1, 14, 15, 92, 65, 35};
  // Autoregressive reference: greedy tokens and the verifier's cache after each step.
  auto ar = MakeVerifier(m.model);
  auto first = ar->Prefill(PromptRequest(prompt), OutputRequest());
  REQUIRE(first.ok());
  std::vector<TokenId> greedy = {first->argmax[0]};
  std::vector<at::Tensor> ar_hidden = {ar->committed_hidden()->clone()};
  for (int i = 0; i < 24; ++i) {
    auto step = ar->Verify(greedy.back(), Draft(), OutputRequest());
    REQUIRE(step.ok());
    REQUIRE(ar->Commit({}).ok());
    ar_hidden.push_back(ar->committed_hidden()->clone());
    greedy.push_back(step->argmax[0]);
  }
  const at::Tensor ar_keys = ar->cache().all_keys().narrow(2, 0, ar->cache_length()).clone();
  const at::Tensor ar_values = ar->cache().all_values().narrow(2, 0, ar->cache_length()).clone();
  const at::Tensor ar_hidden_all = at::cat(ar_hidden, 0);  // row r: hidden of position r + prompt - 1 ... see below

  // Speculative: trees that contain the greedy continuation as one branch
  // among distractors, accepted with the greedy policy; plain forwards, and
  // the static-shape steps that CUDA graphs replay (llama_step_runner.h).
  for (const LlamaStepMode mode : {LlamaStepMode::kEager, LlamaStepMode::kStatic}) {
  INFO("step mode " << LlamaStepModeName(mode));
  Rng rng(99);
  auto policy = MakeGreedyAcceptance();
  auto sd = MakeVerifier(m.model, 96, mode);
  CHECK(sd->step_counts().static_steps == (mode == LlamaStepMode::kStatic));
  auto sd_first = sd->Prefill(PromptRequest(prompt), OutputRequest());
  REQUIRE(sd_first.ok());
  REQUIRE(sd_first->argmax[0] == greedy[0]);
  size_t emitted = 1;  // greedy[0..emitted) are out; greedy[emitted - 1] is pending
  int rounds = 0, trees = 0;
  while (emitted < greedy.size() - 6) {
    Draft draft;
    const int depth = 1 + static_cast<int>(rng.Below(5));
    const int correct = static_cast<int>(rng.Below(depth + 1));  // right tokens before the first wrong one
    int32_t parent = -1;
    for (int d = 0; d < depth; ++d) {
      // A distractor sibling first, sometimes.
      if (rng.Below(2) == 0) draft.Add((greedy[emitted + d] + 1) % m.config.vocab_size, parent);
      const TokenId t = d < correct ? greedy[emitted + d] : (greedy[emitted + d] + 3) % m.config.vocab_size;
      draft.Add(t, parent);
      parent = draft.size() - 1;
    }
    trees += draft.IsChain() ? 0 : 1;
    auto out = sd->Verify(greedy[emitted - 1], draft, OutputRequest());
    REQUIRE(out.ok());
    auto accepted = policy->Accept(draft, *out, nullptr);
    REQUIRE(accepted.ok());
    INFO("round " << rounds << " correct " << correct << " accepted " << accepted->path.size());
    REQUIRE(static_cast<int>(accepted->path.size()) == correct);
    REQUIRE(accepted->next == greedy[emitted + correct]);
    REQUIRE(sd->Commit(accepted->path).ok());
    // committed_hidden: the pending row and the accepted path.
    REQUIRE(sd->committed_hidden()->size(0) == correct + 1);
    CHECK(MaxAbsDiff(*sd->committed_hidden(), ar_hidden_all.narrow(0, static_cast<int64_t>(prompt.size() + emitted - 1),
                                                                    correct + 1)) < 1e-5);
    emitted += correct + 1;
    ++rounds;
    // The caches agree on every committed row.
    const int n = sd->cache_length();
    REQUIRE(n == static_cast<int>(prompt.size() + emitted - 1));
    CHECK(MaxAbsDiff(sd->cache().all_keys().narrow(2, 0, n), ar_keys.narrow(2, 0, n)) < 1e-5);
    CHECK(MaxAbsDiff(sd->cache().all_values().narrow(2, 0, n), ar_values.narrow(2, 0, n)) < 1e-5);
  }
  CHECK(rounds >= 4);
  CHECK(trees >= 1);
  }
}

// Runs `scheduler` and compares with the autoregressive output; a divergence
// must come from a near-tie of the target's logits (fp32 noise between
// batched and single-row matmuls), never from a logic error.
void CheckLossless(const LlamaModel& target_model, const std::vector<TokenId>& prompt,
                   const std::vector<TokenId>& reference, const GenerationResult& result, const std::string& label) {
  INFO(label);
  if (result.tokens == reference) return;
  size_t i = 0;
  while (i < result.tokens.size() && i < reference.size() && result.tokens[i] == reference[i]) ++i;
  REQUIRE(i < result.tokens.size());
  REQUIRE(i < reference.size());
  std::vector<TokenId> context = prompt;
  context.insert(context.end(), reference.begin(), reference.begin() + static_cast<int64_t>(i));
  const at::Tensor logits = NextLogits(target_model, context);
  const double margin = logits[reference[i]].item<double>() - logits[result.tokens[i]].item<double>();
  WARN(label << ": outputs part at token " << i << " (AR " << reference[i] << ", SD " << result.tokens[i]
             << "); target logit margin " << margin);
  CHECK(std::abs(margin) <= 1e-4);
}

TEST_CASE("Greedy SD with LLaMA verifier and drafter equals greedy AR through the schedulers",
          "[models][llama][lossless]") {
  auto target = MakeTinyModel(testing::TinyConfig(), 1234);
  LlamaConfig other_config = testing::TinyConfig();
  other_config.num_kv_heads = 4;  // a different drafter: other weights and shape
  other_config.num_layers = 1;
  auto other = MakeTinyModel(other_config, 777);
  auto policy = MakeGreedyAcceptance();
  Rng rng(31337);
  int64_t drafted_same = 0, accepted_same = 0, drafted_other = 0, accepted_other = 0;
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<TokenId> prompt(3 + rng.Below(8));
    for (TokenId& t : prompt) t = static_cast<TokenId>(rng.Below(target.config.vocab_size));
    SchedulerOptions options;
    options.max_new_tokens = 30;
    options.gamma = 1 + static_cast<int>(rng.Below(6));
    options.seed = trial;
    const Request request = PromptRequest(prompt);

    auto verifier = MakeVerifier(target.model);
    auto ar = MakeAutoregressiveScheduler(verifier.get(), policy.get(), options);
    REQUIRE(ar.ok());
    auto reference = (*ar)->Generate(request);
    REQUIRE(reference.ok());
    REQUIRE(reference->tokens.size() >= 1);

    // Static-shape steps (what CUDA graphs replay) in half of the trials.
    const LlamaStepMode mode = trial % 2 == 0 ? LlamaStepMode::kEager : LlamaStepMode::kStatic;
    auto sd_verifier = MakeVerifier(target.model, 96, mode);
    for (int which = 0; which < 2; ++which) {
      auto drafter = MakeDrafter(which == 0 ? target.model : other.model, 96, mode);
      for (const char* kind : {"speculative", "prefill_hiding"}) {
        auto sched = std::string(kind) == "speculative"
                         ? MakeSpeculativeScheduler(sd_verifier.get(), drafter.get(), policy.get(), options)
                         : MakePrefillHidingScheduler(sd_verifier.get(), drafter.get(), nullptr, policy.get(), options);
        REQUIRE(sched.ok());
        auto result = (*sched)->Generate(request);
        INFO(result.status().ToString());
        REQUIRE(result.ok());
        CheckLossless(*target.model, prompt, reference->tokens, *result,
                      std::string(kind) + (which == 0 ? " (same model drafts)" : " (other model drafts)") +
                          ", gamma " + std::to_string(options.gamma) + ", trial " + std::to_string(trial) +
                          ", step mode " + LlamaStepModeName(mode));
        (which == 0 ? drafted_same : drafted_other) += result->stats.drafted;
        (which == 0 ? accepted_same : accepted_other) += result->stats.accepted;
      }
    }
  }
  INFO("same model: " << accepted_same << "/" << drafted_same << ", other: " << accepted_other << "/" << drafted_other);
  // The target drafting for itself is accepted (nearly) always; another model rarely.
  CHECK(drafted_same > 100);
  CHECK(accepted_same >= drafted_same * 9 / 10);
  CHECK(accepted_other < drafted_other / 2);
}

TEST_CASE("LlamaDrafter: after Observe, its next greedy draft is the argmax after the committed sequence",
          "[models][llama][drafter]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 55);
  auto drafter = MakeDrafter(m.model, 64);
  const std::vector<TokenId> prompt = {7, 8, 9};
  const Request request = PromptRequest(prompt);
  DraftContext context{&request, SamplingParams(), 1};
  REQUIRE(drafter->Begin(context).ok());
  CHECK(drafter->capabilities().own_prefill);
  CHECK_FALSE(drafter->capabilities().supports_trees);
  // Before any Observe (prefill hiding): drafts continue the prompt.
  auto early = drafter->Propose(DraftSpec{3, {}});
  REQUIRE(early.ok());
  REQUIRE(early->size() == 3);
  CHECK(early->tokens[0] == Argmax(absl::MakeConstSpan(NextLogits(*m.model, prompt).contiguous().data_ptr<float>(),
                                                      m.config.vocab_size)));
  Rng rng(4);
  std::vector<TokenId> committed = prompt;
  for (int round = 0; round < 8; ++round) {
    // Commit a random mix: sometimes the drafts, sometimes other tokens.
    std::vector<TokenId> outcome;
    const int n = 1 + static_cast<int>(rng.Below(3));
    for (int i = 0; i < n; ++i) outcome.push_back(static_cast<TokenId>(rng.Below(m.config.vocab_size)));
    RoundOutcome o;
    o.committed = outcome;
    REQUIRE(drafter->Observe(o).ok());
    committed.insert(committed.end(), outcome.begin(), outcome.end());
    auto draft = drafter->Propose(DraftSpec{2, {}});
    REQUIRE(draft.ok());
    REQUIRE(draft->size() == 2);
    const at::Tensor expected = NextLogits(*m.model, committed).contiguous();
    CHECK(draft->tokens[0] == Argmax(absl::MakeConstSpan(expected.data_ptr<float>(), m.config.vocab_size)));
    std::vector<TokenId> extended = committed;
    extended.push_back(draft->tokens[0]);
    const at::Tensor second = NextLogits(*m.model, extended).contiguous();
    CHECK(draft->tokens[1] == Argmax(absl::MakeConstSpan(second.data_ptr<float>(), m.config.vocab_size)));
    CHECK(drafter->cache().length() <= static_cast<int>(committed.size()) + 1);
  }
}

TEST_CASE("LlamaDrafter samples chains with their draft distributions", "[models][llama][drafter]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 56);
  auto drafter = MakeDrafter(m.model, 64);
  const Request request = PromptRequest({3, 4, 5});
  SamplingParams sampling;
  sampling.temperature = 0.8f;
  sampling.top_p = 0.9f;
  DraftContext context{&request, sampling, 42};
  REQUIRE(drafter->Begin(context).ok());
  auto draft = drafter->Propose(DraftSpec{4, {}});
  REQUIRE(draft.ok());
  REQUIRE(draft->size() == 4);
  REQUIRE(draft->has_probs());
  CHECK(draft->Validate(m.config.vocab_size).ok());
  std::vector<float> expected;
  LogitsToProbs(absl::MakeConstSpan(NextLogits(*m.model, {3, 4, 5}).contiguous().data_ptr<float>(),
                                    m.config.vocab_size),
                sampling, &expected);
  const absl::Span<const float> q0 = draft->Probs(0);
  double diff = 0;
  for (int v = 0; v < m.config.vocab_size; ++v) diff = std::max(diff, std::abs(double(q0[v]) - expected[v]));
  CHECK(diff < 1e-5);
  CHECK(q0[draft->tokens[0]] > 0);
  // Same seed, same samples.
  REQUIRE(drafter->Begin(context).ok());
  auto again = drafter->Propose(DraftSpec{4, {}});
  REQUIRE(again.ok());
  CHECK(again->tokens == draft->tokens);
}

TEST_CASE("LlamaVerifier reports misuse with a Status", "[models][llama][verifier]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 57);
  auto v = MakeVerifier(m.model, 8);
  CHECK(v->info().vocab_size == m.config.vocab_size);
  CHECK(v->info().hidden_size == m.config.hidden_size);
  CHECK(v->info().max_seq_len == 8);
  CHECK(v->lm_head() == &m.model->lm_head_weight());
  Request no_prompt;
  no_prompt.question = "hello";
  CHECK(v->Prefill(no_prompt, OutputRequest()).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(v->Prefill(PromptRequest(std::vector<TokenId>(9, 1)), OutputRequest()).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK_FALSE(v->Prefill(PromptRequest({1, 2, 500}), OutputRequest()).ok());  // outside the vocabulary
  REQUIRE(v->Prefill(PromptRequest({1, 2, 3}), OutputRequest()).ok());
  CHECK(v->Commit({}).code() == absl::StatusCode::kFailedPrecondition);
  auto out = v->Verify(4, Draft::Chain({5, 6}), OutputRequest{true});
  REQUIRE(out.ok());
  CHECK(out->rows == 3);
  CHECK(out->logits.size() == 3u * m.config.vocab_size);
  for (int r = 0; r < 3; ++r) CHECK(out->argmax[r] == Argmax(out->Logits(r)));
  CHECK(v->Verify(4, Draft(), OutputRequest()).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_FALSE(v->Commit({1}).ok());  // node 1 is not a child of the pending token
  REQUIRE(v->Commit({0, 1}).ok());
  CHECK(v->cache_length() == 6);
  // 6 + 3 rows exceed max_seq_len 8.
  CHECK(v->Verify(7, Draft::Chain({1, 2}), OutputRequest()).status().code() == absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

TEST_CASE("Stochastic SD runs with the LLaMA verifier and a sampling LLaMA drafter", "[models][llama][stochastic]") {
  const LlamaStepMode mode = GENERATE(LlamaStepMode::kEager, LlamaStepMode::kStatic);
  INFO("step mode " << LlamaStepModeName(mode));
  auto m = MakeTinyModel(testing::TinyConfig(), 58);
  auto verifier = MakeVerifier(m.model, 96, mode);
  auto drafter = MakeDrafter(m.model, 96, mode);
  SamplingParams params;
  params.temperature = 0.7f;
  params.top_p = 0.95f;
  auto policy = MakeStochasticAcceptance(params);
  REQUIRE(policy.ok());
  SchedulerOptions options;
  options.max_new_tokens = 24;
  options.gamma = 3;
  auto sched = MakeSpeculativeScheduler(verifier.get(), drafter.get(), policy->get(), options);
  REQUIRE(sched.ok());
  Request request = PromptRequest({2, 4, 6, 8});
  request.seed = 5;
  auto result = (*sched)->Generate(request);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->stats.drafted > 0);
  // Draft and target distributions are the same model's: most drafts pass.
  CHECK(result->stats.accepted * 2 > result->stats.drafted);
  for (TokenId t : result->tokens) CHECK((t >= 0 && t < m.config.vocab_size));
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

// A multimodal-style encoder: text embeddings with rows [2, 2 + visual) replaced
// by fixed "visual" embeddings, as Video-LLaVA splices its frames in.
class SplicingEncoder final : public LlamaPromptEncoder {
 public:
  SplicingEncoder(at::Tensor visual, double vision_ms) : visual_(std::move(visual)), vision_ms_(vision_ms) {}
  absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel& model) override {
    auto text = model.Embed(*TokensTensor(request.prompt_tokens, model.device()));
    if (!text.ok()) return text.status();
    LlamaPrompt prompt;
    prompt.embeds = at::cat({text->narrow(0, 0, 2), visual_, text->narrow(0, 2, text->size(0) - 2)});
    prompt.vision_ms = vision_ms_;
    return prompt;
  }

 private:
  at::Tensor visual_;
  double vision_ms_;
};

TEST_CASE("A prompt encoder's embeddings prefill the verifier and drafter; SD still equals AR",
          "[models][llama][multimodal]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 59);
  at::manual_seed(59);  // the same "visual" rows whatever ran before in this process
  const at::Tensor visual = at::randn({7, m.config.hidden_size}, at::TensorOptions().dtype(at::kFloat));
  LlamaSequenceOptions options;
  options.max_seq_len = 96;
  auto verifier =
      LlamaVerifier::CreateWithPromptEncoder(m.model, options, std::make_unique<SplicingEncoder>(visual, 1.5));
  auto drafter =
      LlamaDrafter::CreateWithPromptEncoder(m.model, options, std::make_unique<SplicingEncoder>(visual, 1.5));
  REQUIRE(verifier.ok());
  REQUIRE(drafter.ok());
  const Request request = PromptRequest({1, 30, 31, 32, 33});

  // Prefill: 5 text rows + 7 visual rows, the logits of a plain embeds forward.
  auto first = (*verifier)->Prefill(request, OutputRequest{true});
  REQUIRE(first.ok());
  CHECK((*verifier)->cache_length() == 12);
  CHECK((*verifier)->prefill_breakdown().prompt_tokens == 12);
  CHECK((*verifier)->prefill_breakdown().vision_ms == 1.5);
  auto cache = MakeCache(*m.model, 16);
  LlamaInput input;
  const at::Tensor text = *m.model->Embed(*TokensTensor(request.prompt_tokens, m.model->device()));
  input.embeds = at::cat({text.narrow(0, 0, 2), visual, text.narrow(0, 2, 3)});
  input.positions = *PositionRange(0, 12, m.model->device());
  input.logits = LogitsRows::kLast;
  auto direct = m.model->Forward(input, cache.get());
  REQUIRE(direct.ok());
  const at::Tensor host = at::from_blob(first->logits.data(), {1, first->vocab}, at::kFloat);
  CHECK(MaxAbsDiff(host, direct->logits) < 1e-6);

  // Greedy SD over the spliced prompt equals AR.
  auto policy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.max_new_tokens = 25;
  so.gamma = 3;
  auto ar = MakeAutoregressiveScheduler(verifier->get(), policy.get(), so);
  auto sd = MakeSpeculativeScheduler(verifier->get(), drafter->get(), policy.get(), so);
  REQUIRE(ar.ok());
  REQUIRE(sd.ok());
  auto a = (*ar)->Generate(request);
  auto s = (*sd)->Generate(request);
  INFO(s.status().ToString());
  REQUIRE(a.ok());
  REQUIRE(s.ok());
  CHECK(s->tokens == a->tokens);
  CHECK(s->stats.accepted == s->stats.drafted);  // the drafter is the target: nothing rejected
  CHECK(s->drafter_prefill.prompt_tokens == 12);
}

}  // namespace
}  // namespace xsd

namespace xsd {
namespace {

TEST_CASE("Margins: each emitted token's top-1 minus top-2 logit, the same through SD rows as through AR steps",
          "[models][llama][margins]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 21);
  auto verifier = MakeVerifier(m.model);
  // The verifier's margins against its own full logits.
  OutputRequest both;
  both.logits = true;
  both.margins = true;
  auto out = verifier->Prefill(PromptRequest({1, 5, 9, 13}), both);
  REQUIRE(out.ok());
  REQUIRE(out->margins.size() == 1);
  std::vector<float> row(out->logits.begin(), out->logits.end());
  std::sort(row.begin(), row.end(), std::greater<float>());
  CHECK(out->margins[0] == Approx(row[0] - row[1]).epsilon(1e-6));

  auto policy = MakeGreedyAcceptance();
  SchedulerOptions so;
  so.max_new_tokens = 24;
  so.gamma = 4;
  so.record_margins = true;
  const Request request = PromptRequest({2, 7, 1, 8, 2, 8});
  auto ar = MakeAutoregressiveScheduler(verifier.get(), policy.get(), so);
  REQUIRE(ar.ok());
  auto a = (*ar)->Generate(request);
  REQUIRE(a.ok());
  REQUIRE(a->margins.size() == a->tokens.size());
  for (float v : a->margins) CHECK(v >= 0);
  // The target drafting for itself: long accepted chains, so most tokens come
  // from verify rows other than row 0; their margins must be the AR ones.
  auto drafter = MakeDrafter(m.model);
  auto sd = MakeSpeculativeScheduler(verifier.get(), drafter.get(), policy.get(), so);
  REQUIRE(sd.ok());
  auto s = (*sd)->Generate(request);
  REQUIRE(s.ok());
  REQUIRE(s->tokens == a->tokens);
  REQUIRE(s->margins.size() == a->margins.size());
  CHECK(s->stats.accepted >= 10);
  for (size_t i = 0; i < a->margins.size(); ++i) {
    INFO("token " << i);
    CHECK(s->margins[i] == Approx(a->margins[i]).margin(1e-4));
  }
  so.record_margins = false;
  auto quiet = MakeAutoregressiveScheduler(verifier.get(), policy.get(), so);
  REQUIRE(quiet.ok());
  auto q = (*quiet)->Generate(request);
  REQUIRE(q.ok());
  CHECK(q->margins.empty());
}

// Issue 20: the CUDA SD == AR case read the graph replays of an eager
// verifier through its step runner, which plain forwards do not have (a null
// pointer: SIGSEGV on the H100). Step counts are values in every step mode.
TEST_CASE("LlamaVerifier reports its step counts in every step mode, plain forwards included",
          "[models][llama][verifier]") {
  auto m = MakeTinyModel(testing::TinyConfig(), 58);
  for (const LlamaStepMode mode : {LlamaStepMode::kEager, LlamaStepMode::kAuto, LlamaStepMode::kStatic}) {
    INFO("step mode " << LlamaStepModeName(mode));
    auto v = MakeVerifier(m.model, 32, mode);
    REQUIRE(v->Prefill(PromptRequest({1, 2, 3}), OutputRequest()).ok());
    REQUIRE(v->Verify(4, Draft::Chain({5, 6}), OutputRequest()).ok());
    REQUIRE(v->Commit({0, 1}).ok());
    const LlamaStepCounts counts = v->step_counts();
    // On the CPU, kAuto means plain forwards; a static step runner captures no graphs there.
    CHECK(counts.static_steps == (mode == LlamaStepMode::kStatic));
    CHECK(counts.graphs_captured == 0);
    CHECK(counts.replays == 0);
  }
}

}  // namespace
}  // namespace xsd
