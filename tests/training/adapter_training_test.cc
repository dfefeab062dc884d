// Adapter training (xsd/training/adapter_training.h) on a synthetic feature
// set with a known map: the loss falls and the held-out top-1 rises; a seed
// gives the same weights bit for bit; a run stopped and resumed ends where
// an uninterrupted one ends; bad inputs are errors.
#include "xsd/training/adapter_training.h"

#include <ATen/ATen.h>

#include "training_test_util.h"
#include "adapters/adapter_dims.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/weights_checkpoint.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::ScratchDir;

AdapterTrainingOptions SmallAdapter(AdapterKind kind, AdapterLoss loss = AdapterLoss::kResearch) {
  AdapterTrainingOptions o;
  o.kind = kind;
  o.loss = loss;
  o.dims.bottleneck = 8;
  o.dims.wide_bottleneck = 16;
  o.dims.heads = 2;
  o.dims.ffn = 32;
  o.dims.max_positions = 16;
  o.seed = 3;
  o.validation_fraction = 0.25;
  return o;
}

TrainLoopOptions Loop(int epochs, const std::string& out = "") {
  TrainLoopOptions o;
  o.epochs = epochs;
  o.batch_size = 16;
  o.optimizer.lr = 1e-2;
  o.seed = 11;
  o.out_dir = out;
  o.checkpoint_every = 5;
  return o;
}

struct Trained {
  TrainResult result;
  std::vector<std::pair<std::string, at::Tensor>> weights;
};

Trained Train(const FeatureSet& set, const at::Tensor& head, const AdapterTrainingOptions& a, TrainLoopOptions loop) {
  auto task = MakeAdapterTrainingTask(set, head, a);
  INFO(task.status().ToString());
  REQUIRE(task.ok());
  loop.settings = (*task)->Settings();
  auto result = RunTraining(**task, loop);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return {*result, (*task)->parameters().Snapshot()};
}

bool SameWeights(const Trained& a, const Trained& b) {
  if (a.weights.size() != b.weights.size()) return false;
  for (size_t i = 0; i < a.weights.size(); ++i) {
    if (a.weights[i].first != b.weights[i].first || !at::equal(a.weights[i].second, b.weights[i].second)) return false;
  }
  return true;
}

TEST_CASE("Adapter training lowers the loss and raises held-out top-1, for every kind", "[training][adapters]") {
  ScratchDir dir("training");
  at::Tensor head;
  testing::WriteSyntheticFeatures(dir.path(), 48, 16, 23, 7, &head);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  for (AdapterKind kind : {AdapterKind::kL1, AdapterKind::kL2, AdapterKind::kL3, AdapterKind::kL4, AdapterKind::kL5,
                           AdapterKind::kB1, AdapterKind::kL5F}) {
    INFO("adapter " << AdapterKindName(kind));
    const Trained t = Train(**set, head, SmallAdapter(kind), Loop(10));
    REQUIRE(t.result.finished);
    REQUIRE(t.result.epochs.size() == 10);
    const EpochMetrics& first = t.result.epochs.front();
    const EpochMetrics& last = t.result.epochs.back();
    CHECK(last.train_loss < 0.9 * first.train_loss);
    CHECK(last.validation.at("val_loss") < 0.9 * first.validation.at("val_loss"));
    CHECK(last.validation.at("val_rows") > 0);
  }
  // The acceptance-aware loss teaches the tokens: held-out top-1 far above
  // chance (1/23) and above the first epoch's.
  const Trained l2 = Train(**set, head, SmallAdapter(AdapterKind::kL2, AdapterLoss::kResearchAndCE), Loop(10));
  CHECK(l2.result.epochs.back().validation.at("val_top1") > 0.4);
  CHECK(l2.result.epochs.back().validation.at("val_top1") > l2.result.epochs.front().validation.at("val_top1"));
}

TEST_CASE("Adapter training: a seed gives the same weights bit for bit; a resumed run ends as an uninterrupted one",
          "[training][adapters]") {
  ScratchDir dir("training");
  at::Tensor head;
  testing::WriteSyntheticFeatures(dir.path(), 24, 8, 13, 9, &head);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  for (AdapterKind kind : {AdapterKind::kL2, AdapterKind::kL5}) {
    INFO("adapter " << AdapterKindName(kind));
    const AdapterTrainingOptions a = SmallAdapter(kind, AdapterLoss::kResearchAndCE);
    const Trained once = Train(**set, head, a, Loop(3));
    const Trained again = Train(**set, head, a, Loop(3));
    CHECK(SameWeights(once, again));
    AdapterTrainingOptions other_seed = a;
    other_seed.seed = 4;
    CHECK_FALSE(SameWeights(once, Train(**set, head, other_seed, Loop(3))));

    // Stopped after 4 steps (a checkpoint is written there), then resumed: as if killed.
    ScratchDir out("training");
    TrainLoopOptions first = Loop(3, out.path());
    first.max_steps_this_call = 4;
    const Trained stopped = Train(**set, head, a, first);
    CHECK_FALSE(stopped.result.finished);
    CHECK(stopped.result.steps == 4);
    TrainLoopOptions rest = Loop(3, out.path());
    rest.resume = true;
    const Trained resumed = Train(**set, head, a, rest);
    CHECK(resumed.result.finished);
    CHECK(resumed.result.resumed_from_step == 4);
    CHECK(SameWeights(resumed, once));
    REQUIRE(resumed.result.epochs.size() == once.result.epochs.size());
    CHECK(resumed.result.epochs.back().train_loss == once.result.epochs.back().train_loss);
    // A resume with other settings is refused, naming the setting.
    TrainLoopOptions changed = rest;
    auto task = MakeAdapterTrainingTask(**set, head, a);
    REQUIRE(task.ok());
    changed.settings = (*task)->Settings();
    changed.settings["loss"] = "ce";
    const auto refused = RunTraining(**task, changed);
    CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(refused.status().message()).find("loss") != std::string::npos);
  }
}

TEST_CASE("A trained adapter is written in the layout the pipeline reads", "[training][adapters]") {
  ScratchDir dir("training");
  at::Tensor head;
  testing::WriteSyntheticFeatures(dir.path(), 16, 8, 13, 9, &head);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  const AdapterTrainingOptions a = SmallAdapter(AdapterKind::kL4);
  auto task = MakeAdapterTrainingTask(**set, head, a);
  REQUIRE(task.ok());
  REQUIRE(RunTraining(**task, Loop(1)).ok());
  const std::string path = dir.File("L4.safetensors");
  REQUIRE((*task)->Write(path, {{"note", "test"}}).ok());
  auto reader = CheckpointReader::Open(path);
  REQUIRE(reader.ok());
  auto dims = InferAdapterDims(AdapterKind::kL4, **reader, /*heads=*/8);
  REQUIRE(dims.ok());
  CHECK(dims->heads == 2);  // from the metadata, not the default
  CHECK(dims->hidden == 8);
  CHECK(dims->ffn == 32);
  auto source = CheckpointWeightSource::Open(path, WeightSourceOptions());
  REQUIRE(source.ok());
  auto adapter = LoadAdapter(AdapterKind::kL4, *dims, **source);
  INFO(adapter.status().ToString());
  REQUIRE(adapter.ok());
  // The loaded adapter maps as the trained leaves do.
  const at::Tensor x = (*set)->drafter_hidden().narrow(0, 0, 3);
  AdapterInput in;
  in.drafter_hidden = &x;
  at::Tensor loaded, trained;
  REQUIRE((*adapter)->Map(in, &loaded).ok());
  auto again = LoadAdapter(AdapterKind::kL4, (*task)->options().dims,
                           *(*task)->parameters().AsSource(c10::ScalarType::Float, "leaves"));
  REQUIRE(again.ok());
  REQUIRE((*again)->Map(in, &trained).ok());
  CHECK(at::equal(loaded, trained.detach()));
}

TEST_CASE("Adapter training: bad inputs are errors that say what is wrong", "[training][adapters]") {
  ScratchDir dir("training");
  at::Tensor head;
  testing::WriteSyntheticFeatures(dir.path(), 16, 8, 13, 9, &head);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  const auto message = [&](const at::Tensor& lm_head, const AdapterTrainingOptions& o) {
    return std::string(MakeAdapterTrainingTask(**set, lm_head, o).status().message());
  };
  CHECK(message(at::zeros({13, 9}), SmallAdapter(AdapterKind::kL1)).find("LM head must be [vocab, 8]") !=
        std::string::npos);
  AdapterTrainingOptions heads = SmallAdapter(AdapterKind::kL4);
  heads.dims.heads = 3;
  CHECK(message(head, heads).find("not divisible by 3 heads") != std::string::npos);
  AdapterTrainingOptions positions = SmallAdapter(AdapterKind::kL5);
  positions.dims.max_positions = 3;
  CHECK(message(head, positions).find("positional table") != std::string::npos);
  CHECK(message(head, SmallAdapter(AdapterKind::kIdentity)).find("no weights") != std::string::npos);
  // Drafter and target widths differ: only B1 (target states only) trains.
  ScratchDir wide("training");
  FeatureSetInfo info;
  info.drafter_hidden_size = 6;
  info.target_hidden_size = 8;
  auto w = FeatureShardWriter::Create(wide.path(), info, false);
  REQUIRE(w.ok());
  for (int s = 0; s < 8; ++s) {
    FeatureRows r;
    r.sample_id = std::to_string(s);
    r.drafter_hidden = at::randn({3, 6});
    r.target_hidden = at::randn({3, 8});
    r.target_tokens = {1, 2, 3};
    REQUIRE((*w)->Add(r).ok());
  }
  REQUIRE((*w)->Finish().ok());
  auto mixed = FeatureSet::Open(wide.path(), c10::Device(c10::kCPU));
  REQUIRE(mixed.ok());
  CHECK(std::string(MakeAdapterTrainingTask(**mixed, head, SmallAdapter(AdapterKind::kL1)).status().message())
            .find("drafter hidden size 6 differs from the target's 8") != std::string::npos);
  CHECK(MakeAdapterTrainingTask(**mixed, head, SmallAdapter(AdapterKind::kB1)).ok());
}

}  // namespace
}  // namespace xsd
