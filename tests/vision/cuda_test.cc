// The multimodal models on a CUDA device (the GPU machine; the executable
// skips every case where none exists: tests/support/cuda_main.cc): float32 on the GPU agrees with float32 on the CPU, and
// bfloat16 runs end to end (the dtype of the benchmarks).
#include <cmath>

#include <ATen/ATen.h>

#include "model_test_util.h"
#include "test_weights.h"
#include "xsd/base/status.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/vision/clip_vision_tower.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/video_llava_verifier.h"

namespace xsd {
namespace {

// cuDNN may run float32 convolutions (the patch embedding) in TF32, whose
// 10-bit mantissa bounds how closely GPU float32 can follow the CPU.
constexpr double kTf32Tolerance = 2e-2;

// The tiny CLIP weights on the GPU in `dtype`.
class CudaMapWeights : public testing::MapWeights {
 public:
  CudaMapWeights(testing::TensorMap tensors, c10::ScalarType dtype) : MapWeights(std::move(tensors), dtype) {}
  absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) override {
    XSD_ASSIGN_OR_RETURN(at::Tensor t, MapWeights::Take(name, shape));
    return t.to(at::kCUDA);
  }
  c10::Device device() const override { return c10::Device(c10::DeviceType::CUDA, 0); }
};

std::shared_ptr<const VideoLlavaModel> VideoLlava(const c10::Device& device, c10::ScalarType dtype) {
  VideoLlavaLoadOptions options;
  options.checkpoint = testing::TinyCheckpoint("video_llava_tiny");
  options.device = device;
  options.dtype = dtype;
  auto model = VideoLlavaModel::Load(options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::move(model).value();
}

std::shared_ptr<const EventGptModel> EventGpt(const c10::Device& device, c10::ScalarType dtype) {
  EventGptLoadOptions options;
  options.checkpoint = testing::TinyCheckpoint("eventgpt_tiny");
  options.device = device;
  options.dtype = dtype;
  auto model = EventGptModel::Load(options);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::move(model).value();
}

TEST_CASE("CUDA: Video-LLaVA verifier prefill and verify agree with the CPU", "[vision][cuda]") {
  const c10::Device cuda("cuda:0");
  at::manual_seed(4);
  const at::Tensor frames = at::randn({8, 3, 224, 224});
  OutputRequest logits;
  logits.logits = true;
  std::vector<std::vector<float>> rows;
  for (const c10::Device& device : {c10::Device(c10::DeviceType::CPU), cuda}) {
    auto model = VideoLlava(device, at::kFloat);
    const std::vector<TokenId> prompt = {1, 30, 31, model->config().video_token, 32, 33};
    VideoLlavaVerifierOptions options;
    options.max_seq_len = 1024;
    auto verifier = VideoLlavaVerifier::Create(model, options, nullptr);
    REQUIRE(verifier.ok());
    auto prefill = (*verifier)->PrefillWithInputs(prompt, frames, logits);
    REQUIRE(prefill.ok());
    auto verified = (*verifier)->Verify(prefill->argmax[0], Draft::Chain({5, 6, 7}), logits);
    REQUIRE(verified.ok());
    REQUIRE((*verifier)->Commit({0}).ok());
    rows.push_back(prefill->logits);
    rows.back().insert(rows.back().end(), verified->logits.begin(), verified->logits.end());
  }
  REQUIRE(rows[0].size() == rows[1].size());
  double worst = 0;
  for (size_t i = 0; i < rows[0].size(); ++i) worst = std::max(worst, std::abs(double(rows[0][i]) - rows[1][i]));
  INFO("max |logit(cpu) - logit(cuda)| = " << worst);
  CHECK(worst < kTf32Tolerance);

  // bfloat16: the benchmark dtype runs end to end and stays near float32.
  auto bf16 = VideoLlava(cuda, at::kBFloat16);
  VideoLlavaVerifierOptions options;
  options.max_seq_len = 1024;
  auto verifier = VideoLlavaVerifier::Create(bf16, options, nullptr);
  REQUIRE(verifier.ok());
  auto prefill = (*verifier)->PrefillWithInputs({1, 30, 31, bf16->config().video_token, 32, 33}, frames, logits);
  REQUIRE(prefill.ok());
  CHECK((*verifier)->prefill_breakdown().vision_ms > 0);
  double bf16_worst = 0;
  for (int v = 0; v < prefill->vocab; ++v) bf16_worst = std::max(bf16_worst, std::abs(double(prefill->logits[v]) - rows[0][v]));
  INFO("bf16 prefill: max |logit diff| to float32 = " << bf16_worst);
  CHECK(std::isfinite(bf16_worst));
}

TEST_CASE("CUDA: EventGPT drafter proposes the CPU's greedy tokens", "[vision][cuda]") {
  at::manual_seed(5);
  const at::Tensor pixels = at::randn({1, 3, 336, 336});
  std::vector<std::vector<TokenId>> drafts;
  at::Tensor cpu_logits;  // the CPU's logits of the rows that drafted
  for (const c10::Device& device : {c10::Device(c10::DeviceType::CPU), c10::Device("cuda:0")}) {
    EventGptDrafterOptions options;
    options.max_seq_len = 512;
    auto model = EventGpt(device, at::kFloat);
    auto drafter = EventGptDrafter::Create(model, options, nullptr);
    REQUIRE(drafter.ok());
    REQUIRE((*drafter)->BeginWithInputs({1, 40, 41}, {42, 43}, pixels).ok());
    auto draft = (*drafter)->Propose(DraftSpec{6, std::nullopt});
    REQUIRE(draft.ok());
    drafts.push_back(draft->tokens);
    if (device.is_cpu()) {
      const int prompt = (*drafter)->prompt_length();
      cpu_logits = model->llm().LmHead((*drafter)->HiddenRows(prompt - 1, 6).value()).value();
    }
  }
  size_t i = 0;
  while (i < drafts[0].size() && drafts[0][i] == drafts[1][i]) ++i;
  if (i < drafts[0].size()) {
    // Only a near-tie on the CPU may flip under TF32.
    const double margin = cpu_logits[i][drafts[0][i]].item<double>() - cpu_logits[i][drafts[1][i]].item<double>();
    WARN("CPU and CUDA drafts diverge at " << i << " with a CPU logit margin of " << margin);
    CHECK(margin < kTf32Tolerance);
  }

  EventGptDrafterOptions options;
  options.max_seq_len = 512;
  auto bf16 = EventGptDrafter::Create(EventGpt(c10::Device("cuda:0"), at::kBFloat16), options, nullptr);
  REQUIRE(bf16.ok());
  REQUIRE((*bf16)->BeginWithInputs({1, 40, 41}, {42, 43}, pixels).ok());
  auto draft = (*bf16)->Propose(DraftSpec{6, std::nullopt});
  REQUIRE(draft.ok());
  CHECK(draft->size() == 6);
  CHECK((*bf16)->prefill_breakdown().llm_ms > 0);
}

// On CUDA the tower captures its forward into a graph after the first call
// of a shape and selection and replays it from the second on: every call must give the
// eager forward's bits (bf16; inputs that change between calls; two
// selections, one dropping the class token).
TEST_CASE("CUDA: the CLIP vision tower's graphed forward equals its eager forward", "[vision][cuda][clip]") {
  const ClipVisionConfig config = testing::TinyClipConfig();
  at::manual_seed(12);
  CudaMapWeights source(testing::RandomClipWeights(config, ""), at::kBFloat16);
  auto tower = ClipVisionTower::Load(config, ScopedWeights(&source, ""));
  auto eager_tower = ClipVisionTower::Load(config, ScopedWeights(&source, ""), /*cuda_graphs=*/false);
  INFO(tower.status().ToString());
  REQUIRE(tower.ok());
  REQUIRE(eager_tower.ok());
  for (const ClipFeatureSelect select : {ClipFeatureSelect{-1, false}, ClipFeatureSelect{-2, true}}) {
    for (int call = 0; call < 4; ++call) {
      INFO("layer " << select.layer << ", call " << call);
      const at::Tensor pixels =
          at::randn({3, config.num_channels, config.image_size, config.image_size}, at::TensorOptions(at::kCUDA));
      auto eager = (*eager_tower)->Forward(pixels, select);
      auto got = (*tower)->Forward(pixels, select);
      REQUIRE(eager.ok());
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      CHECK(at::equal(*got, *eager));
    }
  }
  if (CudaGraphsSupported()) CHECK((*tower)->CapturedGraphs() == 2);
  CHECK((*eager_tower)->CapturedGraphs() == 0);
}

}  // namespace
}  // namespace xsd
