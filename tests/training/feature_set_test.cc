// Feature shards: what the writer writes the reader reads back; an
// interrupted extraction resumes; bad sets are errors naming the file.
#include "xsd/training/feature_set.h"

#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "training_test_util.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::ScratchDir;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST_CASE("Feature shards: rows, tokens and sequences read back as written", "[training][features]") {
  ScratchDir dir("training");
  at::Tensor head;
  testing::WriteSyntheticFeatures(dir.path(), 12, 8, 11, 5, &head);
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  INFO(set.status().ToString());
  REQUIRE(set.ok());
  CHECK((*set)->sequences() == 12);
  int64_t rows = 0;
  for (int s = 0; s < 12; ++s) rows += 3 + s % 5;
  CHECK((*set)->rows() == rows);
  CHECK((*set)->offset(12) == rows);
  CHECK((*set)->offset(1) == 3);
  CHECK((*set)->sample_ids()[11] == "sample_11");
  CHECK((*set)->info().drafter_hidden_size == 8);
  CHECK((*set)->info().settings["seed"] == 5);
  // The tokens are the LM head's argmax over the target rows, as written.
  CHECK(at::equal(at::matmul((*set)->target_hidden(), head.t()).argmax(-1), (*set)->target_tokens()));
  // 40 rows per shard: more than one shard was written.
  CHECK(std::filesystem::exists(dir.File("features-00001.safetensors")));
}

TEST_CASE("Feature shards: a resumed extraction keeps the written shards and skips their samples",
          "[training][features]") {
  ScratchDir dir("training");
  FeatureSetInfo info;
  info.drafter_hidden_size = 4;
  info.target_hidden_size = 4;
  const auto sample = [](int s) {
    FeatureRows r;
    r.sample_id = "s" + std::to_string(s);
    r.drafter_hidden = at::full({2, 4}, static_cast<double>(s));
    r.target_hidden = at::full({2, 4}, static_cast<double>(-s));
    r.target_tokens = {s, s + 1};
    return r;
  };
  {
    auto w = FeatureShardWriter::Create(dir.path(), info, false, /*rows_per_shard=*/4);
    REQUIRE(w.ok());
    for (int s = 0; s < 5; ++s) REQUIRE((*w)->Add(sample(s)).ok());
    // "Killed" here: samples 0-3 are in two shards, sample 4 only buffered.
  }
  CHECK(FeatureShardWriter::Create(dir.path(), info, /*resume=*/false).status().code() ==
        absl::StatusCode::kAlreadyExists);
  FeatureSetInfo other = info;
  other.pairing = "teacher_forced";
  CHECK(Message(FeatureShardWriter::Create(dir.path(), other, true).status()).find("pairing") != std::string::npos);
  auto w = FeatureShardWriter::Create(dir.path(), info, /*resume=*/true, 4);
  REQUIRE(w.ok());
  CHECK((*w)->done().size() == 4);
  CHECK((*w)->Add(sample(2)).code() == absl::StatusCode::kAlreadyExists);
  for (int s = 4; s < 6; ++s) REQUIRE((*w)->Add(sample(s)).ok());
  REQUIRE((*w)->Finish().ok());
  auto set = FeatureSet::Open(dir.path(), c10::Device(c10::kCPU));
  REQUIRE(set.ok());
  CHECK((*set)->sequences() == 6);
  CHECK((*set)->sample_ids() == std::vector<std::string>{"s0", "s1", "s2", "s3", "s4", "s5"});
  CHECK((*set)->drafter_hidden()[10][0].item<double>() == 5.0);
}

TEST_CASE("Feature sets: empty, missing, corrupt or inconsistent sets are errors naming the file",
          "[training][features]") {
  const c10::Device cpu(c10::kCPU);
  ScratchDir dir("training");
  CHECK(Message(FeatureSet::Open(dir.path(), cpu).status()).find("features.index.json") != std::string::npos);
  FeatureSetInfo info;
  info.drafter_hidden_size = 4;
  info.target_hidden_size = 4;
  {
    auto w = FeatureShardWriter::Create(dir.path(), info, false);
    REQUIRE(w.ok());
    REQUIRE((*w)->Finish().ok());
  }
  CHECK(Message(FeatureSet::Open(dir.path(), cpu).status()).find("empty") != std::string::npos);
  FeatureRows bad;
  bad.sample_id = "wide";
  bad.drafter_hidden = at::zeros({2, 5});
  bad.target_hidden = at::zeros({2, 4});
  bad.target_tokens = {1, 2};
  ScratchDir other("training");
  auto w = FeatureShardWriter::Create(other.path(), info, false);
  REQUIRE(w.ok());
  const absl::Status wide = (*w)->Add(bad);
  CHECK(Message(wide).find("drafter_hidden must be [2, 4]") != std::string::npos);
  bad.drafter_hidden = at::zeros({2, 4});
  REQUIRE((*w)->Add(bad).ok());
  REQUIRE((*w)->Finish().ok());
  // A corrupt shard.
  { std::ofstream(other.File("features-00000.safetensors"), std::ios::trunc) << "not a safetensors file"; }
  CHECK(Message(FeatureSet::Open(other.path(), cpu).status()).find("features-00000.safetensors") != std::string::npos);
}

}  // namespace
}  // namespace xsd
