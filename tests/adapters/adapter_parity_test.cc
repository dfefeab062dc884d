// Adapter forward parity with the PyTorch reference modules of
// tools/fixtures/make_adapter_fixtures.py (torch.nn building blocks, random
// values in every parameter), and loading through the research-checkpoint
// converter.
#include <ATen/ATen.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "xsd/adapters/hidden_adapters.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

const std::string kDir = std::string(XSD_TEST_DATA_DIR) + "/adapters/";

// A WeightSource over one safetensors file (float32, CPU), for this test.
class FileWeights final : public WeightSource {
 public:
  explicit FileWeights(std::unique_ptr<SafetensorsFile> file) : file_(std::move(file)) {}
  absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) override {
    auto t = file_->Get(name);
    if (!t.ok()) return t.status();
    if (t->sizes() != at::IntArrayRef(shape)) {
      return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": tensor '", name, "': shape mismatch"));
    }
    taken_.insert(name);
    return t->to(at::kFloat);
  }
  bool Has(const std::string& name) const override { return file_->Find(name) != nullptr; }
  std::vector<std::string> Untaken() const override {
    std::vector<std::string> out;
    for (const auto& n : file_->Names()) {
      if (!taken_.count(n)) out.push_back(n);
    }
    return out;
  }
  c10::Device device() const override { return c10::Device(c10::DeviceType::CPU); }
  c10::ScalarType dtype() const override { return c10::ScalarType::Float; }

 private:
  std::unique_ptr<SafetensorsFile> file_;
  std::set<std::string> taken_;
};

AdapterDims FixtureDims() {
  auto json = ReadJsonFile(kDir + "dims.json");
  REQUIRE(json.ok());
  AdapterDims d;
  d.hidden = json->at("hidden");
  d.bottleneck = json->at("bottleneck");
  d.wide_bottleneck = json->at("wide_bottleneck");
  d.heads = json->at("heads");
  d.ffn = json->at("ffn");
  d.max_positions = json->at("max_positions");
  d.l2_blocks = json->at("l2_blocks");
  d.l3_blocks = json->at("l3_blocks");
  return d;
}

std::unique_ptr<Adapter> Load(const std::string& file, AdapterKind kind, const AdapterDims& dims) {
  auto st = SafetensorsFile::Open(kDir + file);
  REQUIRE(st.ok());
  FileWeights weights(std::move(st).value());
  auto adapter = LoadAdapter(kind, dims, weights);
  INFO(adapter.status().ToString());
  REQUIRE(adapter.ok());
  CHECK(weights.Untaken().empty());  // every tensor of the checkpoint is used
  return std::move(adapter).value();
}

double RelativeError(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).norm() / b.norm()).item<double>();
}

TEST_CASE("Adapters match the PyTorch reference modules", "[adapters][parity]") {
  const AdapterDims dims = FixtureDims();
  auto outputs = SafetensorsFile::Open(kDir + "outputs.safetensors");
  REQUIRE(outputs.ok());
  const at::Tensor he = (*outputs)->Get("h_e").value();
  const at::Tensor hv = (*outputs)->Get("h_v").value();
  for (const char* name : {"L1", "L2", "L3", "L4", "L5", "B1", "L5F"}) {
    INFO(name);
    const AdapterKind kind = ParseAdapterKind(name).value();
    auto adapter = Load(std::string(name) + ".safetensors", kind, dims);
    AdapterInput in;
    if (kind == AdapterKind::kB1) {
      in.target_hidden = &hv;
    } else {
      in.drafter_hidden = &he;
      if (kind == AdapterKind::kL5F) in.target_hidden = &hv;
    }
    at::Tensor out;
    REQUIRE(adapter->Map(in, &out).ok());
    const at::Tensor expected = (*outputs)->Get(std::string("out_") + name).value();
    REQUIRE(out.sizes() == expected.sizes());
    CHECK(RelativeError(out, expected) < 1e-5);
    // The output really depends on the adapter: not just the input passed through.
    CHECK(RelativeError(kind == AdapterKind::kB1 || kind == AdapterKind::kL5F ? hv : he, expected) > 1e-2);
  }
}

TEST_CASE("A converted research checkpoint loads and matches", "[adapters][converter]") {
  const AdapterDims dims = FixtureDims();
  auto converted = Load("L4_converted.safetensors", AdapterKind::kL4, dims);
  auto outputs = SafetensorsFile::Open(kDir + "outputs.safetensors");
  REQUIRE(outputs.ok());
  const at::Tensor he = (*outputs)->Get("h_e").value();
  AdapterInput in;
  in.drafter_hidden = &he;
  at::Tensor out;
  REQUIRE(converted->Map(in, &out).ok());
  CHECK(RelativeError(out, (*outputs)->Get("out_L4").value()) < 1e-5);
  auto file = SafetensorsFile::Open(kDir + "L4_converted.safetensors");
  REQUIRE(file.ok());
  CHECK((*file)->metadata().at("adapter_kind") == "L4");
}

TEST_CASE("Causal adapters: a row depends on earlier rows only", "[adapters]") {
  const AdapterDims dims = FixtureDims();
  auto adapter = Load("L5.safetensors", AdapterKind::kL5, dims);
  auto outputs = SafetensorsFile::Open(kDir + "outputs.safetensors");
  REQUIRE(outputs.ok());
  const at::Tensor he = (*outputs)->Get("h_e").value();
  const at::Tensor prefix = he.narrow(0, 0, 3).clone();
  AdapterInput full, part;
  full.drafter_hidden = &he;
  part.drafter_hidden = &prefix;
  at::Tensor a, b;
  REQUIRE(adapter->Map(full, &a).ok());
  REQUIRE(adapter->Map(part, &b).ok());
  CHECK(RelativeError(a.narrow(0, 0, 3), b) < 1e-6);
  // The positional table is indexed from first_position.
  part.first_position = 1;
  at::Tensor shifted;
  REQUIRE(adapter->Map(part, &shifted).ok());
  CHECK(RelativeError(shifted, b) > 1e-4);
  part.first_position = dims.max_positions - 1;  // rows past the table
  CHECK_FALSE(adapter->Map(part, &shifted).ok());
}

TEST_CASE("Adapter inputs are checked", "[adapters]") {
  const AdapterDims dims = FixtureDims();
  auto l5f = Load("L5F.safetensors", AdapterKind::kL5F, dims);
  auto outputs = SafetensorsFile::Open(kDir + "outputs.safetensors");
  const at::Tensor he = (*outputs)->Get("h_e").value();
  AdapterInput only_drafter;
  only_drafter.drafter_hidden = &he;
  at::Tensor out;
  CHECK_FALSE(l5f->Map(only_drafter, &out).ok());
  const at::Tensor wrong = at::zeros({2, dims.hidden + 1});
  AdapterInput bad;
  bad.drafter_hidden = &wrong;
  auto l1 = Load("L1.safetensors", AdapterKind::kL1, dims);
  absl::Status s = l1->Map(bad, &out);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("adapter L1") != std::string::npos);
  // Missing tensors are named.
  auto st = SafetensorsFile::Open(kDir + "L1.safetensors");
  FileWeights weights(std::move(st).value());
  auto wrong_kind = LoadAdapter(AdapterKind::kL4, dims, weights);
  REQUIRE_FALSE(wrong_kind.ok());
  CHECK(std::string(wrong_kind.status().message()).find("layers.0.attn_norm.weight") != std::string::npos);
}

TEST_CASE("Random adapters have the right shapes and dtype", "[adapters]") {
  AdapterDims dims = FixtureDims();
  auto a = MakeRandomAdapter(AdapterKind::kL5F, dims, 7, c10::Device(c10::DeviceType::CPU), c10::ScalarType::BFloat16);
  REQUIRE(a.ok());
  CHECK((*a)->parameter_count() == AdapterParameterCount(AdapterKind::kL5F, dims));
  const at::Tensor h = at::randn({4, dims.hidden});
  AdapterInput in;
  in.drafter_hidden = &h;
  in.target_hidden = &h;
  at::Tensor out;
  REQUIRE((*a)->Map(in, &out).ok());
  CHECK(out.scalar_type() == at::kBFloat16);  // cast at the boundary
  CHECK(out.sizes() == h.sizes());
}

}  // namespace
}  // namespace xsd
