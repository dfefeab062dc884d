// Extraction (xsd/training/extraction.h) with tiny LLaMA models: a drafter
// that is the target's own model gives the target's states (teacher-forced
// and free alike: its free continuation is the target's); the rows stream to
// shards a FeatureSet reads back; unpairable models are errors.
#include "xsd/training/extraction.h"

#include <ATen/ATen.h>

#include "models/llama_reference.h"
#include "models/llama_test_models.h"
#include "support/prompt_request.h"
#include "support/scratch_dir.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::PromptRequest;

std::unique_ptr<LlamaVerifier> Target(std::shared_ptr<const LlamaModel> model,
                                      std::shared_ptr<const Tokenizer> tokenizer = nullptr) {
  LlamaSequenceOptions o;
  o.max_seq_len = 64;
  auto v = LlamaVerifier::Create(std::move(model), o, std::move(tokenizer));
  REQUIRE(v.ok());
  return std::move(v).value();
}

std::unique_ptr<LlamaDrafter> DrafterWithStates(std::shared_ptr<const LlamaModel> model, bool hidden_rows = true,
                                                std::shared_ptr<const Tokenizer> tokenizer = nullptr) {
  LlamaSequenceOptions o;
  o.max_seq_len = 64;
  LlamaDrafterExtras extras;
  extras.hidden_rows = hidden_rows;
  auto d = LlamaDrafter::CreateWithPromptEncoder(std::move(model), o,
                                                 MakeTextPromptEncoder(std::move(tokenizer), "test drafter"),
                                                 std::move(extras));
  REQUIRE(d.ok());
  return std::move(d).value();
}

TEST_CASE("Extraction: the target's own model as drafter gives the target's states, row for row",
          "[training][extraction]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 31);
  for (const Pairing pairing : {Pairing::kTeacherForced, Pairing::kFree}) {
    INFO("pairing " << PairingName(pairing));
    auto target = Target(m.model);
    auto drafter = DrafterWithStates(m.model);
    ExtractionOptions o;
    o.pairing = pairing;
    o.max_new_tokens = 12;
    auto rows = ExtractPair(*target, *drafter, PromptRequest("a", {5, 9, 2, 77, 31}), o);
    INFO(rows.status().ToString());
    REQUIRE(rows.ok());
    REQUIRE(rows->target_tokens.size() == 12);
    CHECK(rows->target_hidden.sizes() == at::IntArrayRef({12, m.config.hidden_size}));
    CHECK(rows->drafter_hidden.sizes() == rows->target_hidden.sizes());
    CHECK(testing::MaxAbsDiff(rows->drafter_hidden, rows->target_hidden) < 1e-4);
    // Row j predicted token j: the LM head of the target's state gives it.
    const at::Tensor logits = *m.model->LmHead(rows->target_hidden);
    for (int j = 0; j < 12; ++j) CHECK(logits[j].argmax().item<int64_t>() == rows->target_tokens[j]);
  }
}

TEST_CASE("Extraction: another model pairs row for row; shards read back; resume skips done samples",
          "[training][extraction]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 31);
  const auto other = testing::MakeTinyModel(testing::TinyConfig(), 32);
  auto target = Target(m.model);
  auto drafter = DrafterWithStates(other.model);
  testing::ScratchDir dir("training");
  FeatureSetInfo info;
  info.pairing = "teacher_forced";
  info.drafter_hidden_size = other.config.hidden_size;
  info.target_hidden_size = m.config.hidden_size;
  ExtractionOptions o;
  o.pairing = Pairing::kTeacherForced;
  o.max_new_tokens = 6;
  const std::vector<Request> requests = {PromptRequest("r0", {1, 2, 3}), PromptRequest("r1", {4, 5}),
                                         PromptRequest("r2", {6, 7, 8, 9})};
  {
    auto writer = FeatureShardWriter::Create(dir.path(), info, false, /*rows_per_shard=*/1);
    REQUIRE(writer.ok());
    const std::vector<Request> first_two(requests.begin(), requests.begin() + 2);
    REQUIRE(ExtractFeatures(*target, *drafter, first_two, o, **writer).ok());
  }
  auto writer = FeatureShardWriter::Create(dir.path(), info, /*resume=*/true, 1);
  REQUIRE(writer.ok());
  int calls = 0;
  REQUIRE(ExtractFeatures(*target, *drafter, requests, o, **writer, [&](int, int) { ++calls; }).ok());
  CHECK(calls == 3);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  CHECK((*set)->sequences() == 3);
  CHECK((*set)->rows() == 18);
  CHECK((*set)->sample_ids() == std::vector<std::string>{"r0", "r1", "r2"});
  // The drafter is another model: its states differ from the target's.
  CHECK(testing::MaxAbsDiff((*set)->drafter_hidden(), (*set)->target_hidden()) > 1e-2);
}

TEST_CASE("Extraction: a drafter without hidden states or with another tokenizer is refused",
          "[training][extraction]") {
  const auto m = testing::MakeTinyModel(testing::TinyConfig(), 31);
  auto target = Target(m.model);
  auto no_states = DrafterWithStates(m.model, /*hidden_rows=*/false);
  const auto no_rows = ExtractPair(*target, *no_states, PromptRequest("x", {1, 2}), ExtractionOptions());
  CHECK(std::string(no_rows.status().message()).find("keeps no hidden states") != std::string::npos);
  auto llama = Tokenizer::Load(std::string(XSD_TEST_DATA_DIR) + "/tokenizer/llama");
  auto variant = Tokenizer::Load(std::string(XSD_TEST_DATA_DIR) + "/tokenizer/variant");
  REQUIRE(llama.ok());
  REQUIRE(variant.ok());
  LlamaConfig big = testing::TinyConfig();
  big.vocab_size = 3100;
  const auto wide = testing::MakeTinyModel(big, 33);
  auto with_llama = Target(wide.model, std::shared_ptr<const Tokenizer>(std::move(*llama)));
  auto with_variant = DrafterWithStates(wide.model, true, std::shared_ptr<const Tokenizer>(std::move(*variant)));
  const absl::Status refused = CheckPairable(*with_variant, *with_llama);
  CHECK_FALSE(refused.ok());
  CHECK(std::string(refused.message()).find("tokenizers") != std::string::npos);
}

}  // namespace
}  // namespace xsd
