// RotaryEmbedding against rotations computed by hand.
#include "xsd/models/rope.h"

#include <ATen/ATen.h>

#include <cmath>

#include "xsd_catch.h"

namespace xsd {
namespace {

RotaryEmbedding Make(const RopeConfig& rope, int head_dim, int max_positions, int max_position_embeddings = 4096) {
  RotaryEmbeddingSpec spec;
  spec.rope = rope;
  spec.head_dim = head_dim;
  spec.max_positions = max_positions;
  spec.max_position_embeddings = max_position_embeddings;
  auto r = RotaryEmbedding::Create(spec);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

// x [1, 1, 4] at `position` through the table and Apply.
std::vector<float> Rotate(const RotaryEmbedding& rope, int position, std::vector<float> x) {
  const at::Tensor input = at::tensor(x).reshape({1, 1, static_cast<int64_t>(x.size())});
  auto rows = rope.Gather(at::tensor(std::vector<int64_t>{position}));
  REQUIRE(rows.ok());
  auto out = RotaryEmbedding::Apply(input, rows->first, rows->second);
  REQUIRE(out.ok());
  const at::Tensor flat = out->reshape({-1}).contiguous();
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

TEST_CASE("RoPE rotates pairs (i, i + D/2) by position * theta^(-2i/D)", "[models][rope]") {
  RopeConfig rope;
  rope.theta = 100.0;  // head_dim 4: inverse frequencies 1 and 100^(-1/2) = 0.1
  const RotaryEmbedding r = Make(rope, 4, 8);
  // Position 3: angles 3 and 0.3. Pairs are (x0, x2) and (x1, x3).
  const std::vector<float> y = Rotate(r, 3, {1, 2, 3, 4});
  CHECK(y[0] == Approx(1 * std::cos(3.0) - 3 * std::sin(3.0)).margin(1e-6));
  CHECK(y[1] == Approx(2 * std::cos(0.3) - 4 * std::sin(0.3)).margin(1e-6));
  CHECK(y[2] == Approx(3 * std::cos(3.0) + 1 * std::sin(3.0)).margin(1e-6));
  CHECK(y[3] == Approx(4 * std::cos(0.3) + 2 * std::sin(0.3)).margin(1e-6));
  // Position 0 is the identity.
  const std::vector<float> same = Rotate(r, 0, {1, 2, 3, 4});
  CHECK(same == std::vector<float>({1, 2, 3, 4}));
  // The table rows: cos(p * f) duplicated over both halves.
  CHECK(r.cos_table()[5][1].item<float>() == Approx(std::cos(0.5)).margin(1e-7));
  CHECK(r.cos_table()[5][3].item<float>() == Approx(std::cos(0.5)).margin(1e-7));
  CHECK(r.sin_table()[5][0].item<float>() == Approx(std::sin(5.0)).margin(1e-7));
}

TEST_CASE("Linear RoPE scaling divides the angles by the factor", "[models][rope]") {
  RopeConfig rope;
  rope.theta = 100.0;
  rope.type = RopeConfig::Type::kLinear;
  rope.factor = 4.0;
  const RotaryEmbedding r = Make(rope, 4, 16);
  // Position 8 with factor 4 is position 2 unscaled: angles 2 and 0.2.
  const std::vector<float> y = Rotate(r, 8, {1, 0, 0, 0});
  CHECK(y[0] == Approx(std::cos(2.0)).margin(1e-6));
  CHECK(y[2] == Approx(std::sin(2.0)).margin(1e-6));
  CHECK(y[1] == Approx(0.0).margin(1e-7));
}

TEST_CASE("Llama3 RoPE keeps high frequencies, divides low ones and blends the middle band", "[models][rope]") {
  RopeConfig rope;
  rope.type = RopeConfig::Type::kLlama3;
  rope.theta = 1e6;  // head_dim 6: inverse frequencies 1, 1e-2, 1e-4 (wavelengths 6.3, 628, 62832)
  rope.factor = 8.0;
  rope.low_freq_factor = 1.0;   // wavelengths above 1000 / 1 are scaled
  rope.high_freq_factor = 4.0;  // wavelengths below 1000 / 4 are kept
  rope.original_max_position_embeddings = 1000;
  auto inv = RotaryEmbedding::InverseFrequencies(rope, 6);
  REQUIRE(inv.ok());
  CHECK(inv->size(0) == 3);
  CHECK((*inv)[0].item<double>() == Approx(1.0).epsilon(1e-6));
  CHECK((*inv)[2].item<double>() == Approx(1e-4 / 8).epsilon(1e-5));
  // Middle band: s = (1000 / 628.32 - 1) / 3 = 0.197183; f = 0.01 * ((1 - s) / 8 + s) = 0.00297535
  CHECK((*inv)[1].item<double>() == Approx(0.00297535).epsilon(1e-5));
}

TEST_CASE("Dynamic RoPE equals the default table up to max_position_embeddings, and is refused beyond", "[models][rope]") {
  RopeConfig dynamic;
  dynamic.type = RopeConfig::Type::kDynamic;
  dynamic.theta = 100.0;
  dynamic.factor = 2.0;
  RopeConfig plain;
  plain.theta = 100.0;
  const RotaryEmbedding d = Make(dynamic, 4, 32, 32);
  const RotaryEmbedding p = Make(plain, 4, 32, 32);
  CHECK(at::equal(d.cos_table(), p.cos_table()));
  RotaryEmbeddingSpec beyond;
  beyond.rope = dynamic;
  beyond.head_dim = 4;
  beyond.max_positions = 64;
  beyond.max_position_embeddings = 32;
  auto refused = RotaryEmbedding::Create(beyond);
  CHECK(refused.status().code() == absl::StatusCode::kUnimplemented);
  CHECK(refused.status().message().find("dynamic") != std::string::npos);
}

TEST_CASE("RoPE rejects impossible parameters", "[models][rope]") {
  RopeConfig rope;
  CHECK_FALSE(RotaryEmbedding::InverseFrequencies(rope, 5).ok());  // odd head_dim
  rope.theta = -1;
  CHECK_FALSE(RotaryEmbedding::InverseFrequencies(rope, 4).ok());
  RopeConfig llama3;
  llama3.type = RopeConfig::Type::kLlama3;
  llama3.factor = 8;
  CHECK_FALSE(RotaryEmbedding::InverseFrequencies(llama3, 4).ok());  // no original context
}

}  // namespace
}  // namespace xsd
