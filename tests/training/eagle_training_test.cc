// EAGLE-1 head training (xsd/training/eagle_training.h) on a tiny LLaMA
// target's own sequences (ExtractTargetSequence): the rows are the prompt's
// and the output's positions; training lowers the loss and raises held-out
// top-1; the written head loads through the runtime's loader and scores
// what the trainer scored.
#include "xsd/training/eagle_training.h"

#include <ATen/ATen.h>

#include "models/llama_reference.h"
#include "models/llama_test_models.h"
#include "support/prompt_request.h"
#include "support/scratch_dir.h"
#include "xsd/drafters/eagle_head.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd/training/extraction.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::PromptRequest;

std::unique_ptr<LlamaVerifier> Target(std::shared_ptr<const LlamaModel> model) {
  LlamaSequenceOptions o;
  o.max_seq_len = 64;
  auto v = LlamaVerifier::Create(std::move(model), o, nullptr);
  REQUIRE(v.ok());
  return std::move(v).value();
}

// `samples` random prompts of 4..7 tokens, 12 output tokens each.
void WriteSequences(const testing::TinyModel& m, const std::string& dir, int samples) {
  auto target = Target(m.model);
  FeatureSetInfo info;
  info.pairing = kTargetSequencePairing;
  info.drafter_hidden_size = m.config.hidden_size;
  info.target_hidden_size = m.config.hidden_size;
  auto writer = FeatureShardWriter::Create(dir, info, /*resume=*/false);
  REQUIRE(writer.ok());
  at::manual_seed(5);
  std::vector<Request> requests;
  for (int s = 0; s < samples; ++s) {
    const at::Tensor ids = at::randint(3, m.config.vocab_size, {4 + s % 4}, at::kLong);
    std::vector<TokenId> prompt;
    for (int64_t i = 0; i < ids.size(0); ++i) prompt.push_back(static_cast<TokenId>(ids[i].item<int64_t>()));
    requests.push_back(PromptRequest("s" + std::to_string(s), prompt));
  }
  ExtractionOptions o;
  o.max_new_tokens = 12;
  const absl::Status st = ExtractTargetSequences(*target, requests, o, **writer);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

TEST_CASE("Target-sequence extraction: prompt and output rows, the target's embeddings, states and greedy tokens",
          "[training][eagle]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 41);
  const std::vector<TokenId> prompt = {5, 9, 2, 77, 31};
  ExtractionOptions o;
  o.max_new_tokens = 8;
  auto target = Target(m.model);
  auto rows = ExtractTargetSequence(*target, PromptRequest("a", prompt), o);
  INFO(rows.status().ToString());
  REQUIRE(rows.ok());
  // 5 prompt rows, then the 7 output tokens that were fed (the 8th is not).
  REQUIRE(rows->target_hidden.size(0) == 12);
  REQUIRE(rows->drafter_hidden.size(0) == 12);
  REQUIRE(rows->target_tokens.size() == 12);
  // The target's greedy output, decoded on its own.
  auto plain = Target(m.model);
  auto first = plain->Prefill(PromptRequest("a", prompt), OutputRequest());
  REQUIRE(first.ok());
  std::vector<TokenId> output = {first->argmax[0]};
  while (output.size() < 8) {
    auto next = plain->Verify(output.back(), Draft(), OutputRequest());
    REQUIRE(next.ok());
    REQUIRE(plain->Commit({}).ok());
    output.push_back(next->argmax[0]);
  }
  // Row 4 (the last prompt position) predicts output token 0, and so on.
  for (int j = 0; j < 8; ++j) CHECK(rows->target_tokens[4 + j] == output[j]);
  // Input embeddings: the prompt's tokens, then the fed output tokens.
  std::vector<int64_t> fed(prompt.begin(), prompt.end());
  fed.insert(fed.end(), output.begin(), output.end() - 1);
  const at::Tensor table = *m.model->Embed(at::tensor(fed, at::kLong));
  CHECK(testing::MaxAbsDiff(rows->drafter_hidden, table.to(at::kFloat)) < 1e-6);
}

TEST_CASE("EAGLE head training lowers the loss, raises held-out top-1, and writes a head the runtime loads",
          "[training][eagle]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 43);
  testing::ScratchDir dir("training");
  WriteSequences(m, dir.path() + "/seq", 40);
  auto set = FeatureSet::Open(dir.path() + "/seq", c10::kCPU);
  REQUIRE(set.ok());
  const at::Tensor lm_head = *m.model->LmHead(at::eye(m.config.hidden_size));  // [d, vocab] = head^T
  EagleTrainingOptions o;
  o.validation_fraction = 0.25;
  auto task = MakeEagleTrainingTask(**set, lm_head.t().contiguous(), m.config, o);
  INFO(task.status().ToString());
  REQUIRE(task.ok());
  auto before = (*task)->Validate();
  REQUIRE(before.ok());
  TrainLoopOptions loop;
  loop.epochs = 30;
  loop.batch_size = 6;
  loop.optimizer.lr = 3e-3;
  auto result = RunTraining(**task, loop);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  auto after = (*task)->Validate();
  REQUIRE(after.ok());
  INFO("top1 " << before->at("top1") << " -> " << after->at("top1") << ", val_loss " << before->at("val_loss")
               << " -> " << after->at("val_loss"));
  CHECK(after->at("val_loss") < 0.9 * before->at("val_loss"));
  CHECK(after->at("top1") > before->at("top1") + 0.15);  // chance is ~1/96

  REQUIRE((*task)->Write(dir.path() + "/eagle", {{"test", true}}).ok());
  auto config = LoadLlamaConfig(dir.path() + "/eagle/config.json");
  REQUIRE(config.ok());
  CHECK(config->num_layers == 1);
  CHECK(config->hidden_size == m.config.hidden_size);
  auto source = CheckpointWeightSource::Open(dir.path() + "/eagle", WeightSourceOptions());
  REQUIRE(source.ok());
  auto head = EagleHead::Load(*config, source->get(), 64);
  INFO(head.status().ToString());
  REQUIRE(head.ok());
  // The loaded head scores the held-out sequences as the trainer did.
  const FeatureSet& s = **set;
  int64_t rows = 0, hits = 0;
  for (int q = 0; q < s.sequences(); ++q) {
    if (q % 4 != 3) continue;  // the held-out ones (every 4th)
    const int64_t a = s.offset(q), n = s.offset(q + 1) - a;
    auto cache = KvCache::Create((*head)->CacheSpec(static_cast<int>(n - 1)));
    REQUIRE(cache.ok());
    const at::Tensor positions = at::arange(n - 1, at::kLong);
    auto out = (*head)->Forward(s.drafter_hidden().narrow(0, a + 1, n - 1), s.target_hidden().narrow(0, a, n - 1),
                                positions, at::Tensor(), cache->get());
    REQUIRE(out.ok());
    const at::Tensor predicted = at::linear(*out, lm_head.t()).argmax(-1);
    hits += (predicted == s.target_tokens().narrow(0, a + 1, n - 1)).sum().item<int64_t>();
    rows += n - 1;
  }
  REQUIRE(rows > 0);
  CHECK(static_cast<double>(hits) / static_cast<double>(rows) == Approx(after->at("top1")).margin(1e-12));
}

TEST_CASE("EAGLE head training: a set of another pairing or width is refused with the reason", "[training][eagle]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 47);
  testing::ScratchDir dir("training");
  FeatureSetInfo info;
  info.pairing = "free";
  info.drafter_hidden_size = m.config.hidden_size;
  info.target_hidden_size = m.config.hidden_size;
  auto writer = FeatureShardWriter::Create(dir.path(), info, false);
  REQUIRE(writer.ok());
  FeatureRows r;
  r.sample_id = "x";
  r.drafter_hidden = at::zeros({3, m.config.hidden_size});
  r.target_hidden = at::zeros({3, m.config.hidden_size});
  r.target_tokens = {1, 2, 3};
  REQUIRE((*writer)->Add(r).ok());
  REQUIRE((*writer)->Finish().ok());
  auto set = FeatureSet::Open(dir.path(), c10::kCPU);
  REQUIRE(set.ok());
  const at::Tensor lm_head = at::zeros({m.config.vocab_size, m.config.hidden_size});
  auto task = MakeEagleTrainingTask(**set, lm_head, m.config, EagleTrainingOptions());
  REQUIRE_FALSE(task.ok());
  CHECK(std::string(task.status().message()).find("target_sequence") != std::string::npos);
  LlamaConfig wide = m.config;
  wide.hidden_size *= 2;
  info.pairing = kTargetSequencePairing;
  testing::ScratchDir dir2("training");
  auto w2 = FeatureShardWriter::Create(dir2.path(), info, false);
  REQUIRE(w2.ok());
  REQUIRE((*w2)->Add(r).ok());
  REQUIRE((*w2)->Finish().ok());
  auto set2 = FeatureSet::Open(dir2.path(), c10::kCPU);
  REQUIRE(set2.ok());
  auto task2 = MakeEagleTrainingTask(**set2, lm_head, wide, EagleTrainingOptions());
  REQUIRE_FALSE(task2.ok());
  CHECK(std::string(task2.status().message()).find("differ from the head's") != std::string::npos);
}

}  // namespace
}  // namespace xsd
