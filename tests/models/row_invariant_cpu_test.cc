// Row-invariant numerics on the CPU (lib/src/models/row_invariant_cpu.h), the
// default where libxsd's CUDA kernels do not run: Linear, RMSNorm and
// attention over the cache give a row the same bits whatever the other rows
// of the call, near a float64 reference; a model's verify rows are its decode
// steps, bit for bit, for chains and trees (step_checks.h, as on CUDA). ATen's
// CPU GEMM does not: on this project's CI machine a 1-row and a 9-row fp32
// Linear of 96 x 64 part in the last bits.
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "llama_test_models.h"
#include "step_checks.h"
#include "xsd/models/attention.h"
#include "xsd/models/kernel_options.h"
#include "xsd/models/linear.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

KernelOptions Exact() { return KernelOptions(); }  // the default: row-invariant

KernelOptions Fast() {
  KernelOptions o;
  o.numerics = Numerics::kFast;
  return o;
}

// |got - want| <= |want| * rel + abs, elementwise (want in float64).
bool Near(const at::Tensor& got, const at::Tensor& want, double rel, double abs) {
  return ((got.to(at::kDouble) - want).abs() <= want.abs() * rel + abs).all().item<bool>();
}

// The dtypes and their tolerances against float64: one rounding of the output
// (bf16: 2^-8, fp16: 2^-11) over float32 sums.
struct DtypeCase {
  at::ScalarType dtype;
  double rel, abs;
};
const DtypeCase kDtypes[] = {{at::kFloat, 1e-5, 1e-5}, {at::kBFloat16, 1.0 / 128, 1e-3}, {at::kHalf, 1.0 / 1024, 1e-3}};

TEST_CASE("Row-invariant numerics on the CPU: Linear rows are the same bits at any row count", "[models][numerics]") {
  for (const DtypeCase& c : kDtypes) {
    // k: a multiple of the eight lanes, a tail of four, the 7B's down
    // projection; n: whole 3-column tiles, one and two columns past them;
    // with and without a bias.
    for (const auto& [n, k] : std::vector<std::pair<int64_t, int64_t>>{{96, 64}, {37, 100}, {26, 11008}}) {
      for (const bool bias : {false, true}) {
        INFO(c10::toString(c.dtype) << ": n " << n << ", k " << k << (bias ? ", bias" : ""));
        at::manual_seed(5);
        const at::Tensor w = (at::randn({n, k}) * 0.05).to(c.dtype);
        const at::Tensor b = bias ? at::randn({n}).to(c.dtype) : at::Tensor();
        const at::Tensor x = at::randn({64, k}).to(c.dtype);
        auto all = Linear(x, w, b, Exact());
        INFO(all.status().ToString());
        REQUIRE(all.ok());
        CHECK(all->scalar_type() == c.dtype);
        at::Tensor want = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t());
        if (bias) want = want + b.to(at::kDouble);
        CHECK(Near(*all, want, c.rel, c.abs));
        for (const int64_t m : {1, 2, 5, 8, 9, 17, 33, 63}) {
          INFO("rows " << m);
          auto some = Linear(x.narrow(0, 0, m), w, b, Exact());
          REQUIRE(some.ok());
          CHECK(at::equal(*some, all->narrow(0, 0, m)));
          // A row alone, as a decode step has it (its own allocation).
          auto alone = Linear(x.narrow(0, m - 1, 1).clone(), w, b, Exact());
          REQUIRE(alone.ok());
          CHECK(at::equal(*alone, all->narrow(0, m - 1, 1)));
        }
      }
    }
  }
}

// row_invariant_cpu.cc's order, written out: float32 products, lane i % 8
// summing them in increasing i, then ((l0 + l1) + (l2 + l3)) + ((l4 + l5) +
// (l6 + l7)), plus the bias, rounded to the dtype. (volatile: no fused
// multiply-add, whatever the flags this file is compiled with.)
float FixedOrderDot(const at::Tensor& x, const at::Tensor& w, int64_t r, int64_t j) {
  const at::Tensor xr = x[r].to(at::kFloat).contiguous(), wj = w[j].to(at::kFloat).contiguous();
  const float* a = xr.data_ptr<float>();
  const float* b = wj.data_ptr<float>();
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < xr.numel(); ++i) {
    volatile float product = a[i] * b[i];
    lane[i % 8] += product;
  }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

TEST_CASE("Row-invariant numerics on the CPU: a Linear output is the fixed-order sum whatever its tile",
          "[models][numerics]") {
  // Rows 1-7 and columns 1-7 put outputs in every tile shape and remainder.
  for (const at::ScalarType dtype : {at::kFloat, at::kBFloat16, at::kHalf}) {
    for (const int64_t k : {8, 100, 4099}) {
      at::manual_seed(8);
      const at::Tensor w = (at::randn({7, k}) * 0.05).to(dtype), b = at::randn({7}).to(dtype);
      const at::Tensor x = at::randn({7, k}).to(dtype);
      for (const int64_t m : {1, 2, 3, 4, 7}) {
        for (const int64_t n : {1, 2, 3, 4, 7}) {
          INFO(c10::toString(dtype) << ": k " << k << ", rows " << m << ", columns " << n);
          auto y = Linear(x.narrow(0, 0, m), w.narrow(0, 0, n), b.narrow(0, 0, n), Exact());
          REQUIRE(y.ok());
          const at::Tensor got = y->to(at::kFloat).contiguous();
          int64_t differ = 0;
          for (int64_t r = 0; r < m; ++r) {
            for (int64_t j = 0; j < n; ++j) {
              const float bias = b[j].item<float>();
              const float want = at::scalar_tensor(FixedOrderDot(x, w, r, j) + bias).to(dtype).item<float>();
              if (got[r][j].item<float>() != want) ++differ;
            }
          }
          CHECK(differ == 0);
        }
      }
    }
  }
}

TEST_CASE("Fast numerics on the CPU keep ATen's Linear; row-invariant takes over up to 64 rows only",
          "[models][numerics]") {
  at::manual_seed(6);
  const at::Tensor w = at::randn({40, 72}) * 0.1, x = at::randn({70, 72});
  for (const int64_t m : {1, 9, 70}) {
    INFO("rows " << m);
    auto fast = Linear(x.narrow(0, 0, m), w, at::Tensor(), Fast());
    REQUIRE(fast.ok());
    CHECK(at::equal(*fast, at::linear(x.narrow(0, 0, m), w)));
  }
  // 65 rows and more (a prefill) are ATen's under either numerics.
  auto prefill = Linear(x, w, at::Tensor(), Exact());
  REQUIRE(prefill.ok());
  CHECK(at::equal(*prefill, at::linear(x, w)));
  // Under autograd too (training): ATen's, whose backward exists.
  const at::Tensor trained = w.clone().requires_grad_(true);
  auto out = Linear(x.narrow(0, 0, 3), trained, at::Tensor(), Exact());
  REQUIRE(out.ok());
  CHECK(out->requires_grad());
}

TEST_CASE("Row-invariant numerics on the CPU: RMSNorm rows are the same bits at any row count", "[models][numerics]") {
  for (const DtypeCase& c : kDtypes) {
    for (const int64_t d : {64, 100, 4096}) {
      INFO(c10::toString(c.dtype) << ": dim " << d);
      at::manual_seed(7);
      const RmsNorm norm((1 + 0.1 * at::randn({d})).to(c.dtype), 1e-5);
      const at::Tensor x = (at::randn({64, d}) * 3).to(c.dtype);
      auto all = norm.Forward(x);
      REQUIRE(all.ok());
      const at::Tensor xd = x.to(at::kDouble);
      const at::Tensor want = norm.weight().to(at::kDouble) * xd * (xd.pow(2).mean(-1, true) + 1e-5).rsqrt();
      CHECK(Near(*all, want, 2 * c.rel, c.abs));
      for (const int64_t m : {1, 2, 9, 33}) {
        INFO("rows " << m);
        auto some = norm.Forward(x.narrow(0, 0, m));
        REQUIRE(some.ok());
        CHECK(at::equal(*some, all->narrow(0, 0, m)));
      }
    }
  }
}

// Attention of `rows` new rows at cache rows [past, past + rows) over a cache
// of `keys` / `values` [kv_heads, >= past + rows, D]; `tree` [rows, rows] or
// undefined (a chain: causal among the new rows).
at::Tensor Attend(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values, int past,
                  const at::Tensor& tree, const KernelOptions& options) {
  const int rows = static_cast<int>(q.size(0)), group = static_cast<int>(q.size(1) / keys.size(0));
  auto mask = AttentionMask::Build(past, rows, group, tree, q);
  INFO(mask.status().ToString());
  REQUIRE(mask.ok());
  auto out = AttendCached(q, keys.narrow(1, 0, past + rows), values.narrow(1, 0, past + rows), *mask, at::Tensor(),
                          options);
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  return *out;
}

TEST_CASE("Row-invariant numerics on the CPU: an attention row is its decode step, chains and trees",
          "[models][numerics][attention]") {
  constexpr int kHeads = 4, kKvHeads = 2, kPast = 11, kRows = 5;
  for (const DtypeCase& c : kDtypes) {
    for (const int64_t d : {16, 128}) {
      INFO(c10::toString(c.dtype) << ": head dim " << d);
      at::manual_seed(8);
      const at::Tensor keys = at::randn({kKvHeads, kPast + kRows, d}).to(c.dtype);
      const at::Tensor values = at::randn({kKvHeads, kPast + kRows, d}).to(c.dtype);
      const at::Tensor q = at::randn({kRows, kHeads, d}).to(c.dtype);
      // A chain: row t sees the cache and new rows 0..t, as its decode step
      // at past + t does.
      const at::Tensor chain = Attend(q, keys, values, kPast, at::Tensor(), Exact());
      for (int t = 0; t < kRows; ++t) {
        INFO("chain row " << t);
        const at::Tensor step = Attend(q.narrow(0, t, 1).clone(), keys, values, kPast + t, at::Tensor(), Exact());
        CHECK(at::equal(step, chain.narrow(0, t, 1)));
      }
      // Against float64 softmax(q k^T / sqrt(D)) v for the last row (all keys).
      {
        const int64_t t = kRows - 1, group = kHeads / kKvHeads;
        const at::Tensor qd = q[t].to(at::kDouble), kd = keys.to(at::kDouble), vd = values.to(at::kDouble);
        std::vector<at::Tensor> heads;
        for (int h = 0; h < kHeads; ++h) {
          const at::Tensor s = at::matmul(kd[h / group], qd[h]) / std::sqrt(static_cast<double>(d));
          heads.push_back(at::matmul(at::softmax(s, 0), vd[h / group]));
        }
        CHECK(Near(chain[t], at::cat(heads), 2 * c.rel, c.abs));
      }
      // A tree: root (row 0), its children 1 and 2, and 3 under 1, 4 under 2;
      // each row's decode step runs along its own branch.
      const at::Tensor tree = at::tensor(std::vector<uint8_t>{1, 0, 0, 0, 0,  //
                                                              1, 1, 0, 0, 0,  //
                                                              1, 0, 1, 0, 0,  //
                                                              1, 1, 0, 1, 0,  //
                                                              1, 0, 1, 0, 1})
                                  .to(at::kBool)
                                  .view({kRows, kRows});
      const at::Tensor verified = Attend(q, keys, values, kPast, tree, Exact());
      const std::vector<std::vector<int>> branches = {{0}, {0, 1}, {0, 2}, {0, 1, 3}, {0, 2, 4}};
      for (int t = 0; t < kRows; ++t) {
        INFO("tree row " << t);
        // The branch's cache: the committed rows, then the branch's new rows.
        std::vector<at::Tensor> k_rows = {keys.narrow(1, 0, kPast)}, v_rows = {values.narrow(1, 0, kPast)};
        for (const int r : branches[t]) {
          k_rows.push_back(keys.narrow(1, kPast + r, 1));
          v_rows.push_back(values.narrow(1, kPast + r, 1));
        }
        const int at_row = kPast + static_cast<int>(branches[t].size()) - 1;
        const at::Tensor step =
            Attend(q.narrow(0, t, 1).clone(), at::cat(k_rows, 1), at::cat(v_rows, 1), at_row, at::Tensor(), Exact());
        CHECK(at::equal(step, verified.narrow(0, t, 1)));
      }
    }
  }
}

TEST_CASE("Row-invariant numerics on the CPU: a model's verify rows are its decode steps (fp32, bf16)",
          "[models][numerics][llama]") {
  for (const at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
    INFO(c10::toString(dtype));
    const auto model = testing::TinyModelOn(c10::Device(c10::kCPU), dtype, testing::TinyConfig(), Exact());
    testing::CheckVerifyRowsAreDecodeSteps(*model);
    testing::CheckTreeRowsAreBranchSteps(*model);
  }
}

}  // namespace
}  // namespace xsd
