// The fused CUDA kernels (lib/src/kernels) against the ATen formulas they
// replace and float64 references: RMSNorm, the one-row GEMV, rotary
// embedding fused with the cache write, split-K cached attention and its
// one-row decode kernel. Each
// kernel has an environment switch (XSD_GEMV, XSD_ROPE_KERNEL,
// XSD_ATTENTION_PATH) that these cases flip to run the ATen path in the
// same process. Pass with a WARN where no CUDA device exists (CI).
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "cuda_test_util.h"
#include "llama_test_models.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/attention.h"
#include "xsd/models/linear.h"
#include "xsd/models/llama_attention.h"
#include "xsd/models/llama_mlp.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/norm_gemv.h"
#include "xsd/models/weights_map.h"
#include "xsd/models/numerics.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

bool HaveKernels() {
  if (!testing::HaveCuda("the fused CUDA kernels are")) return false;
  if (FusedDecoderKernels()) return true;
  WARN("this CUDA build has no fused kernels (nvcc not found): the ATen formulas run instead");
  return false;
}

// Sets an environment switch for the scope.
class EnvSwitch {
 public:
  EnvSwitch(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~EnvSwitch() { unsetenv(name_.c_str()); }
  EnvSwitch(const EnvSwitch&) = delete;
  EnvSwitch& operator=(const EnvSwitch&) = delete;

 private:
  std::string name_;
};

// Row-invariant numerics for the scope (the public switch).
class RowInvariantScope {
 public:
  RowInvariantScope() { SetRowInvariantNumerics(true); }
  ~RowInvariantScope() { SetRowInvariantNumerics(false); }
  RowInvariantScope(const RowInvariantScope&) = delete;
  RowInvariantScope& operator=(const RowInvariantScope&) = delete;
};

TEST_CASE("CUDA fused kernels: RMSNorm with the residual add equals the ATen formula", "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    INFO("dtype " << c10::toString(dtype));
    const auto options = at::TensorOptions().dtype(dtype).device(at::kCUDA);
    at::manual_seed(3);
    const at::Tensor x = at::randn({5, 4096}, options), r = at::randn({5, 4096}, options);
    const at::Tensor w = (at::randn({4096}, options) * 0.1 + 1).contiguous();
    const RmsNorm norm(w, 1e-5);
    auto fused = norm.ForwardResidual(x, r);
    auto alone = norm.Forward(x);
    INFO(fused.status().ToString());
    REQUIRE(fused.ok());
    REQUIRE(alone.ok());
    const at::Tensor sum = x + r;
    auto formula = [&](const at::Tensor& h) {
      const at::Tensor hf = h.to(at::kFloat);
      return w * (hf * at::rsqrt(hf.pow(2).mean(-1, true) + 1e-5)).to(dtype);
    };
    CHECK(at::equal(fused->first, sum));
    // bf16: one rounding of the normalised value may fall the other way (1 ulp,
    // 2^-7 relative after the weight product). fp32: the kernel sums the 4 096
    // squares in another order (~sqrt(n) * 6e-8 relative on the scale).
    const double ulp = dtype == at::kFloat ? 2e-5 : 1.0 / 128;
    for (const auto& [got, want] : {std::make_pair(fused->second, formula(sum)), std::make_pair(*alone, formula(x))}) {
      const at::Tensor g = got.to(at::kFloat), e = want.to(at::kFloat);
      CHECK(((g - e).abs() <= e.abs() * ulp + 1e-6).all().item<bool>());
      CHECK((g - e).abs().max().item<double>() < 0.1);
    }
  }
}

TEST_CASE("CUDA fused kernels: Linear (the GEMV at one row) equals at::linear (bf16)", "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  at::manual_seed(4);
  const auto options = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  for (const int64_t k : {4096, 11008, 64}) {
    const at::Tensor w = at::randn({1000, k}, options) * 0.02;
    for (const int64_t m : {1, 2, 5, 8, 9}) {  // 1: the GEMV kernel; more rows: at::linear
      INFO("k " << k << ", rows " << m);
      const at::Tensor x = at::randn({m, k}, options);
      auto got = Linear(x, w);
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      REQUIRE(got->sizes() == at::IntArrayRef({m, 1000}));
      // Both accumulate in float32 and round once: at most one bf16 ulp apart,
      // plus the float32 summation-order difference over k terms.
      const at::Tensor want = at::linear(x.to(at::kFloat), w.to(at::kFloat));
      const at::Tensor diff = (got->to(at::kFloat) - want).abs();
      CHECK((diff <= want.abs() * (1.0 / 128) + 1e-3).all().item<bool>());
    }
  }
  // A contiguous view one element into its storage is not 16-byte aligned:
  // the general path serves it.
  const at::Tensor base = at::randn({4096 + 1}, options);
  const at::Tensor shifted_x = base.narrow(0, 1, 4096).view({1, 4096});
  REQUIRE(shifted_x.is_contiguous());
  const at::Tensor w = at::randn({64, 4096}, options) * 0.02;
  auto shifted = Linear(shifted_x, w);
  INFO(shifted.status().ToString());
  REQUIRE(shifted.ok());
  CHECK(at::equal(*shifted, at::linear(shifted_x, w)));
}


// The tensor-core skinny GEMM (row-invariant numerics with
// XSD_SKINNY_GEMM=1): each row's result is the same for every row count,
// one included, and near float32.
TEST_CASE("CUDA fused kernels: skinny GEMM rows are the same bits at any row count (bf16)",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  RowInvariantScope invariant;
  EnvSwitch skinny("XSD_SKINNY_GEMM", "1");
  at::manual_seed(29);
  const auto options = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  for (const int64_t k : {4096, 11008, 64}) {
    const at::Tensor w = at::randn({1000, k}, options) * 0.02;
    const at::Tensor x = at::randn({64, k}, options);
    auto all = Linear(x, w);
    INFO("k " << k << ": " << all.status().ToString());
    REQUIRE(all.ok());
    const at::Tensor want = at::linear(x.to(at::kFloat), w.to(at::kFloat));
    CHECK(((all->to(at::kFloat) - want).abs() <= want.abs() * (1.0 / 128) + 1e-3).all().item<bool>());
    for (const int64_t m : {1, 2, 5, 16, 17, 33}) {
      INFO("rows " << m);
      auto some = Linear(x.narrow(0, 0, m), w);
      REQUIRE(some.ok());
      CHECK(at::equal(*some, all->narrow(0, 0, m)));
    }
  }
}

// A tiny LLaMA on the GPU in `dtype`; prefill 8 rows, then one decode row:
// the logits of both forwards and the cache rows written.
struct DecodeTrace {
  std::vector<at::Tensor> logits;
  at::Tensor keys, values;
};

std::unique_ptr<LlamaModel> TinyCudaModel(at::ScalarType dtype, const LlamaConfig& config = testing::TinyConfig()) {
  const auto m = testing::MakeTinyModel(config, 71);
  WeightSourceOptions options;
  options.device = c10::Device(c10::DeviceType::CUDA, 0);
  options.dtype = dtype;
  MapWeightSource weights(options, "<cuda copy>");
  for (const auto& [name, tensor] : m.weights->tensors()) weights.Set(name, tensor);
  auto model = LlamaModel::Load(m.config, &weights, LlamaModelOptions());
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return std::move(*model);
}

DecodeTrace RunPrefillAndDecode(LlamaModel& model) {
  const std::vector<int32_t> prompt = {4, 8, 15, 16, 23, 42, 7, 1, 9};
  auto cache = KvCache::Create(model.CacheSpec(16));
  REQUIRE(cache.ok());
  DecodeTrace trace;
  for (const auto& [start, count] : {std::make_pair(0, 8), std::make_pair(8, 1)}) {
    LlamaInput input;
    input.tokens = *TokensTensor(std::vector<int32_t>(prompt.begin() + start, prompt.begin() + start + count),
                                 model.device());
    input.positions = *PositionRange(start, count, model.device());
    auto out = model.Forward(input, cache->get());
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    REQUIRE((*cache)->Advance(count).ok());
    trace.logits.push_back(out->logits.cpu());
  }
  trace.keys = (*cache)->all_keys().narrow(-2, 0, 9).cpu();
  trace.values = (*cache)->all_values().narrow(-2, 0, 9).cpu();
  return trace;
}

void CheckSameBits(const DecodeTrace& got, const DecodeTrace& want) {
  CHECK(at::equal(got.keys, want.keys));
  CHECK(at::equal(got.values, want.values));
  REQUIRE(got.logits.size() == want.logits.size());
  for (size_t i = 0; i < want.logits.size(); ++i) CHECK(at::equal(got.logits[i], want.logits[i]));
  CHECK(at::count_nonzero(got.keys).item<int64_t>() > 0);
}

// The tiny model of `config` in float32 and bf16, prefill and decode with
// the kernel that `kernel_switch` turns off against the ATen formula it
// replaces: the same bits (logits and caches).
void CheckKernelMatchesAten(const LlamaConfig& config, const char* kernel_switch) {
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    INFO("dtype " << c10::toString(dtype));
    const std::unique_ptr<LlamaModel> model = TinyCudaModel(dtype, config);
    DecodeTrace aten, fused;
    {
      EnvSwitch off(kernel_switch, "0");
      aten = RunPrefillAndDecode(*model);
    }
    fused = RunPrefillAndDecode(*model);
    CheckSameBits(fused, aten);
  }
}

// The model's forward with the fused rotary + cache-write kernel against the
// ATen rotation and cache copies (attention on the same path in both): the
// kernel rounds where ATen rounds, so logits and caches are bitwise equal.
// Head dim 16: the 8-pairs-per-thread form (half a head a multiple of 8);
// head dim 8: the one-pair-per-thread form.
TEST_CASE("CUDA fused kernels: rotary embedding + cache write equals the ATen path bitwise", "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  EnvSwitch attention_math("XSD_ATTENTION_PATH", "math");
  for (const int head_dim : {16, 8}) {
    INFO("head dim " << head_dim);
    LlamaConfig config = testing::TinyConfig();
    config.head_dim = head_dim;
    config.num_heads = 64 / head_dim;
    config.num_kv_heads = config.num_heads / 2;
    CheckKernelMatchesAten(config, "XSD_ROPE_KERNEL");
  }
}

// The SiLU(gate) * up kernel of prefill and verify rows against the ATen
// formula: it rounds where ATen rounds, so the same bits. Intermediate 160:
// 8 channels per thread; 164: one per thread (not a multiple of 8).
TEST_CASE("CUDA fused kernels: SiLU * up equals the ATen formula bitwise", "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  EnvSwitch no_gemv_silu("XSD_SILU_GEMV", "0");  // the decode row through the same kernel
  for (const int64_t inter : {160, 164}) {
    INFO("intermediate " << inter);
    LlamaConfig config = testing::TinyConfig();
    config.intermediate_size = inter;
    CheckKernelMatchesAten(config, "XSD_SILU_KERNEL");
  }
}

// The decode row's qkv projection with the rotation and the cache write in
// its epilogue (one kernel) against the GEMV followed by the rotation +
// cache-write kernel: each output summed and rounded as the GEMV does, then
// rotated as the rotation kernel does, so logits and cache rows are the same
// bits. Head dims 16 (the tiny model) and 128 (7B's), grouped queries.
TEST_CASE("CUDA fused kernels: qkv GEMV with rotary + cache write equals GEMV + rotary bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  for (const int head_dim : {16, 128}) {
    INFO("head dim " << head_dim);
    LlamaConfig config = testing::TinyConfig();
    if (head_dim == 128) {
      config.num_heads = 2;
      config.num_kv_heads = 1;
      config.head_dim = 128;
      config.hidden_size = 256;
    }
    const std::unique_ptr<LlamaModel> model = TinyCudaModel(at::kBFloat16, config);
    DecodeTrace split, fused;
    int64_t before = LlamaAttention::FusedQkvRopeRows();
    {
      EnvSwitch off("XSD_QKV_ROPE", "0");
      split = RunPrefillAndDecode(*model);
    }
    CHECK(LlamaAttention::FusedQkvRopeRows() == before);
    fused = RunPrefillAndDecode(*model);
    CHECK(LlamaAttention::FusedQkvRopeRows() == before + config.num_layers);  // the decode row of each layer
    CheckSameBits(fused, split);
  }
}

// The decode row's MLP with gate/up GEMV and SiLU·up in one kernel against
// the GEMV followed by the SiLU kernel: the same rounding steps, so the same
// bits (a bug in the pairing of gate and up rows changes every logit).
TEST_CASE("CUDA fused kernels: gate/up GEMV with SiLU equals GEMV + SiLU bitwise (bf16)", "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  const std::unique_ptr<LlamaModel> model = TinyCudaModel(at::kBFloat16);
  DecodeTrace split, fused;
  {
    EnvSwitch off("XSD_SILU_GEMV", "0");
    split = RunPrefillAndDecode(*model);
  }
  fused = RunPrefillAndDecode(*model);
  CheckSameBits(fused, split);
  // And both near the ATen formulas (no fused kernels at all), in float32.
  DecodeTrace plain;
  {
    EnvSwitch gemv("XSD_GEMV", "0"), rope("XSD_ROPE_KERNEL", "0"), path("XSD_ATTENTION_PATH", "math");
    plain = RunPrefillAndDecode(*model);
  }
  const at::Tensor got = fused.logits.back().to(at::kFloat), want = plain.logits.back().to(at::kFloat);
  CHECK(((got - want).abs() <= want.abs() * (1.0 / 32) + 0.05).all().item<bool>());
}

// The norm inside the decode GEMVs (xsd/models/norm_gemv.h) against the norm
// kernel followed by the GEMV: every block of the fused kernel re-enacts the
// norm kernel's per-thread sums and reduction tree, so the normalised row,
// the residual sum and the projection are the same bits. Widths of 1 to 4
// norm chunks of 2 048 (64: most threads idle; 5 120: a partial chunk),
// outputs that leave the last block partly idle, with and without the
// residual add, both projections (plain, and gate/up + SiLU through LlamaMlp).
TEST_CASE("CUDA fused kernels: the norm inside the decode GEMVs equals norm + GEMV bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  CHECK_FALSE(NormGemvInDecode());  // opt-in
  EnvSwitch in_decode("XSD_NORM_GEMV", "1");
  REQUIRE(NormGemvInDecode());
  const auto options = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  for (const int64_t k : {4096, 64, 5120, 8192}) {
    at::manual_seed(static_cast<uint64_t>(k));
    const RmsNorm norm((at::randn({k}, options) * 0.1 + 1).contiguous(), 1e-5);
    const at::Tensor x = at::randn({1, k}, options) * 3, r = at::randn({1, k}, options);
    for (const bool with_residual : {true, false}) {
      const at::Tensor residual = with_residual ? r : at::Tensor();
      auto split = norm.ForwardResidual(x, residual);
      REQUIRE(split.ok());
      for (const int64_t n : {12288, 1001}) {  // 4 outputs per warp; 1 per warp, a partial block
        const at::Tensor w = at::randn({n, k}, options) * 0.02;
        auto want = Linear(split->second, w);  // the norm kernel, then the GEMV
        REQUIRE(want.ok());
        // Each way of reading the weights early (XSD_GEMV_PREFETCH) keeps
        // every lane's chunk order.
        for (const char* prefetch : {"none", "regs", "chunks"}) {
          INFO("k " << k << ", n " << n << ", residual " << with_residual << ", prefetch " << prefetch);
          EnvSwitch mode("XSD_GEMV_PREFETCH", prefetch);
          auto fused = NormThenGemv(norm, x, residual, w);
          INFO(fused.status().ToString());
          REQUIRE(fused.ok());
          REQUIRE(fused->y.defined());
          CHECK(at::equal(fused->y, *want));
          CHECK(at::equal(fused->sum, split->first));
          CHECK(at::equal(*Linear(split->second, w), *want));
        }
      }
      for (const int64_t inter : {11008, 37}) {
        INFO("k " << k << ", inter " << inter << ", residual " << with_residual);
        const at::Tensor gate = at::randn({inter, k}, options) * 0.02, up = at::randn({inter, k}, options) * 0.02;
        const at::Tensor down = at::randn({k, inter}, options) * 0.02;
        WeightSourceOptions on_gpu;
        on_gpu.dtype = at::kBFloat16;
        on_gpu.device = c10::Device(c10::DeviceType::CUDA, 0);
        MapWeightSource weights(on_gpu, "<mlp>");
        weights.Set("gate_proj.weight", gate);
        weights.Set("up_proj.weight", up);
        weights.Set("down_proj.weight", down);
        LlamaConfig config;
        config.hidden_size = static_cast<int>(k);
        config.intermediate_size = static_cast<int>(inter);
        auto mlp = LlamaMlp::Load(ScopedWeights(&weights, ""), config);
        INFO(mlp.status().ToString());
        REQUIRE(mlp.ok());
        const at::Tensor gate_up = at::cat({gate, up}).contiguous();
        auto want = mlp->Forward(split->second);  // the norm kernel, then the SiLU GEMV and down
        REQUIRE(want.ok());
        for (const char* prefetch : {"none", "regs"}) {
          INFO("prefetch " << prefetch);
          EnvSwitch mode("XSD_GEMV_PREFETCH", prefetch);
          auto act = NormThenGemv(norm, x, residual, gate_up, inter);
          REQUIRE(act.ok());
          REQUIRE(act->y.defined());
          auto got = mlp->ForwardNormed(norm, x, residual);
          INFO(got.status().ToString());
          REQUIRE(got.ok());
          CHECK(at::equal(got->second, *want));
          CHECK(at::equal(got->first, split->first));
          CHECK(at::equal(*Linear(act->y, down), *want));
          CHECK(at::equal(*mlp->Forward(split->second), *want));
        }
      }
    }
  }
  // Two rows do not fit: the callers norm first.
  const RmsNorm norm(at::ones({4096}, options), 1e-5);
  auto skipped = NormThenGemv(norm, at::randn({2, 4096}, options), at::Tensor(), at::randn({64, 4096}, options));
  REQUIRE(skipped.ok());
  CHECK_FALSE(skipped->y.defined());
}

// float64 attention of q [T, H, D] over keys/values [KV, S, D] with an
// additive bias [G*T, S] (row g*T + t for head kv*G + g), as [T, H*D].
at::Tensor ReferenceAttention(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                              const at::Tensor& bias) {
  const int64_t rows = q.size(0), heads = q.size(1), dim = q.size(2), kv_heads = keys.size(0);
  const int64_t group = heads / kv_heads;
  const at::Tensor qd = q.to(at::kDouble).cpu(), kd = keys.to(at::kDouble).cpu(), vd = values.to(at::kDouble).cpu();
  const at::Tensor stacked = qd.transpose(0, 1).reshape({kv_heads, group * rows, dim});
  at::Tensor scores = at::matmul(stacked, kd.transpose(1, 2)) / std::sqrt(static_cast<double>(dim));
  if (bias.defined()) scores = scores + bias.to(at::kDouble).cpu();
  const at::Tensor out = at::matmul(at::softmax(scores, -1), vd);  // [KV, G*T, D]
  return out.reshape({heads, rows, dim}).transpose(0, 1).reshape({rows, heads * dim});
}

// The mask of `rows` new rows after span - rows committed ones: `allowed`
// [rows, span] (bool) as an additive bias, stacked for the group's heads
// (row g * rows + t), in the dtype of `options`.
AttentionMask StackedBiasMask(const at::Tensor& allowed, int64_t group, const at::TensorOptions& options) {
  const int64_t rows = allowed.size(0), span = allowed.size(1);
  const at::Tensor bias_rows = at::zeros({rows, span}, at::kFloat)
                                   .masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
  AttentionMask mask;
  mask.past = static_cast<int>(span - rows);
  mask.rows = static_cast<int>(rows);
  mask.group = static_cast<int>(group);
  mask.bias = bias_rows.repeat({group, 1}).to(options);
  return mask;
}

// |got - want| <= |want| * rel + abs_tol everywhere (want: float64, CPU).
bool WithinTolerance(const at::Tensor& got, const at::Tensor& want, double rel, double abs_tol) {
  return ((got.cpu().to(at::kDouble) - want).abs() <= want.abs() * rel + abs_tol).all().item<bool>();
}

// Several rows: the split-K kernel (XSD_ATTENTION_MMA=0, and float32 always)
// and the tensor-core kernel (XSD_ATTENTION_MMA=verify: bf16 and fp16 at
// head dim 128, attention_mma.cu).
struct SeveralRowsCase {
  at::ScalarType dtype;
  int64_t dim;
  const char* tensor_cores;  // XSD_ATTENTION_MMA
};

TEST_CASE("CUDA fused kernels: cached attention of several rows matches float64; rows and span do not change a row",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  const double inf = std::numeric_limits<double>::infinity();
  const SeveralRowsCase cases[] = {{at::kFloat, 64, "0"},           {at::kBFloat16, 64, "0"},
                                   {at::kBFloat16, 128, "0"},       {at::kBFloat16, 128, "verify"},
                                   {at::kHalf, 128, "verify"},      {at::kFloat, 128, "verify"}};
  for (const SeveralRowsCase& c : cases) {
    const at::ScalarType dtype = c.dtype;
    const int64_t dim = c.dim;
    EnvSwitch tensor_cores("XSD_ATTENTION_MMA", c.tensor_cores);
    INFO("dtype " << c10::toString(dtype) << ", head dim " << dim << ", XSD_ATTENTION_MMA=" << c.tensor_cores);
    at::manual_seed(11);
    const auto options = at::TensorOptions().dtype(dtype).device(at::kCUDA);
    const int64_t rows = 5, heads = 4, kv_heads = 2, group = 2, span = 300, wide = 450;
    // The cache holds 512 rows; the call sees views of its first rows. Rows
    // past `span` hold other finite values.
    const at::Tensor key_cache = at::randn({kv_heads, 512, dim}, options);
    const at::Tensor value_cache = at::randn({kv_heads, 512, dim}, options);
    const at::Tensor q = at::randn({rows, heads, dim}, options) * 2;
    // A tree among the 5 new rows (each sees the 295 committed rows, itself
    // and its ancestors), stacked for the 2 query heads of a KV head.
    const at::Tensor tree = at::tensor({1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1},
                                       at::kInt).to(at::kBool).view({rows, rows});
    const AttentionMask mask =
        StackedBiasMask(at::cat({at::ones({rows, span - rows}, at::kBool), tree}, 1), group, options);
    const at::Tensor keys = key_cache.narrow(1, 0, span), values = value_cache.narrow(1, 0, span);
    const at::Tensor want = ReferenceAttention(q, keys, values, mask.bias);
    // The kernel: float32 accumulation, one rounding to the dtype at the end.
    // SDPA and matmul + softmax round the scores and probabilities to the
    // dtype on the way (bf16: a few ulps of the output).
    for (const char* path : {"sdpa", "math", "kernel"}) {
      INFO("path " << path);
      EnvSwitch forced("XSD_ATTENTION_PATH", path);
      auto got = AttendCached(q, keys, values, mask);
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      const double rel = dtype == at::kFloat ? 1e-5 : (std::string(path) == "kernel" ? 1.0 / 256 : 1.0 / 16);
      CHECK(WithinTolerance(*got, want, rel, dtype == at::kFloat ? 1e-5 : 2e-2));
    }
    EnvSwitch forced("XSD_ATTENTION_PATH", "kernel");
    auto got = AttendCached(q, keys, values, mask);
    REQUIRE(got.ok());
    const double rel = dtype == at::kFloat ? 1e-5 : 1.0 / 256;

    // Each row alone (its bias rows of both heads) gives the same bits.
    for (int64_t t = 0; t < rows; ++t) {
      INFO("row " << t);
      AttentionMask one = mask;
      one.rows = 1;
      one.bias = at::stack({mask.bias[t], mask.bias[rows + t]});
      auto alone = AttendCached(q.narrow(0, t, 1), keys, values, one);
      REQUIRE(alone.ok());
      CHECK(at::equal(*alone, got->narrow(0, t, 1)));
    }
    // Row-invariant numerics take the decode kernel at every row count
    // (where the tensor-core kernel does not apply): with a cache's counters
    // its last blocks combine (three vector groups per KV head here), the
    // same bits as the combine kernel, the counters left zero.
    {
      RowInvariantScope exact;
      auto split = AttendCached(q, keys, values, mask);
      const at::Tensor counters = at::zeros({kv_heads * KvCache::kKernelCountersPerKvHead}, options.dtype(at::kInt));
      auto fused = AttendCached(q, keys, values, mask, counters);
      REQUIRE(split.ok());
      REQUIRE(fused.ok());
      CHECK(at::equal(*fused, *split));
      CHECK(at::count_nonzero(counters).item<int64_t>() == 0);
    }
    // A wider span whose extra keys are masked: the same bits (the extra
    // chunk adds exact zeros).
    AttentionMask widened = mask;
    widened.bias = at::cat({mask.bias, at::full({group * rows, wide - span}, -inf, options)}, 1);
    auto wider = AttendCached(q, key_cache.narrow(1, 0, wide), value_cache.narrow(1, 0, wide), widened);
    REQUIRE(wider.ok());
    CHECK(at::equal(*wider, *got));

    // One row without a bias (decode in eager mode) sees every key.
    AttentionMask decode;
    decode.past = static_cast<int>(span - 1);
    decode.rows = 1;
    decode.group = static_cast<int>(group);
    auto step = AttendCached(q.narrow(0, 0, 1), keys, values, decode);
    REQUIRE(step.ok());
    const at::Tensor step_want = ReferenceAttention(q.narrow(0, 0, 1), keys, values, at::Tensor());
    CHECK(WithinTolerance(*step, step_want, rel, 1e-5));
  }
}

// One query row per KV head (decode without grouped queries) has its own
// kernel, chosen by default there: it must match float64, give the same bits
// on every call (SDPA's cuDNN backend does not, docs/PERFORMANCE.md run 6),
// and not depend on the span: masked keys and keys past the span add exact
// zeros, so the same visible keys give the same bits.
TEST_CASE("CUDA fused kernels: one-row decode attention matches float64, is reproducible and span-independent",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto dtype : {at::kFloat, at::kBFloat16, at::kHalf}) {
    for (const int64_t dim : {64, 128}) {
      INFO("dtype " << c10::toString(dtype) << ", head dim " << dim);
      at::manual_seed(17);
      const auto options = at::TensorOptions().dtype(dtype).device(at::kCUDA);
      const int64_t heads = 4, span = 300, visible = 290, wide = 450;
      const at::Tensor key_cache = at::randn({heads, 512, dim}, options);
      const at::Tensor value_cache = at::randn({heads, 512, dim}, options);
      const at::Tensor q = at::randn({1, heads, dim}, options) * 2;
      AttentionMask mask;  // a static decode step: cache rows >= visible not written yet
      mask.past = static_cast<int>(visible - 1);
      mask.rows = 1;
      mask.group = 1;
      mask.bias = at::zeros({1, span}, options);
      mask.bias.narrow(1, visible, span - visible).fill_(-inf);
      const at::Tensor keys = key_cache.narrow(1, 0, span), values = value_cache.narrow(1, 0, span);
      const at::Tensor want = ReferenceAttention(q, keys, values, mask.bias);
      EnvSwitch forced("XSD_ATTENTION_PATH", "kernel");
      auto got = AttendCached(q, keys, values, mask);
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      const double rel = dtype == at::kFloat ? 1e-5 : 1.0 / 256;
      CHECK(WithinTolerance(*got, want, rel, dtype == at::kFloat ? 1e-5 : 2e-2));
      // The same bits on every call.
      for (int i = 0; i < 3; ++i) {
        auto again = AttendCached(q, keys, values, mask);
        REQUIRE(again.ok());
        CHECK(at::equal(*again, *got));
      }
      // With a cache's counters the chunk kernel's last blocks combine: the
      // same bits as the combine kernel, and the counters left zero for the
      // next call.
      const at::Tensor counters = at::zeros({heads * KvCache::kKernelCountersPerKvHead}, options.dtype(at::kInt));
      for (int i = 0; i < 3; ++i) {
        auto fused = AttendCached(q, keys, values, mask, counters);
        REQUIRE(fused.ok());
        CHECK(at::equal(*fused, *got));
        CHECK(at::count_nonzero(counters).item<int64_t>() == 0);
      }
      // The same visible keys without a bias (eager decode), or in a wider
      // masked span: the same bits.
      AttentionMask eager;
      eager.past = mask.past;
      eager.rows = 1;
      eager.group = 1;
      auto exact = AttendCached(q, key_cache.narrow(1, 0, visible), value_cache.narrow(1, 0, visible), eager);
      REQUIRE(exact.ok());
      CHECK(at::equal(*exact, *got));
      AttentionMask widened = mask;
      widened.bias = at::cat({mask.bias, at::full({1, wide - span}, -inf, options)}, 1);
      auto wider = AttendCached(q, key_cache.narrow(1, 0, wide), value_cache.narrow(1, 0, wide), widened);
      REQUIRE(wider.ok());
      CHECK(at::equal(*wider, *got));
      // The default path at one row is this kernel.
      unsetenv("XSD_ATTENTION_PATH");
      auto chosen = AttendCached(q, keys, values, mask);
      REQUIRE(chosen.ok());
      CHECK(at::equal(*chosen, *got));
    }
  }
}

// Row-invariant numerics (xsd/models/numerics.h): a call of several rows runs
// the kernel its single rows run (the tensor-core kernel for bf16 at head dim
// 128, else the decode kernel with four query vectors per block), and each
// row must give the bits of that row alone, whatever its neighbours.
TEST_CASE("CUDA fused kernels: row-invariant attention gives each row the bits of the row alone",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  RowInvariantScope invariant;
    for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    for (const auto& [group, dim] : {std::make_pair(1, 128), std::make_pair(2, 128), std::make_pair(2, 16)}) {
      INFO("dtype " << c10::toString(dtype) << ", group " << group << ", head dim " << dim);
      at::manual_seed(23);
      const auto options = at::TensorOptions().dtype(dtype).device(at::kCUDA);
      const int64_t kv_heads = 2, heads = kv_heads * group, rows = 5, span = 260;
      const at::Tensor keys = at::randn({kv_heads, span, dim}, options);
      const at::Tensor values = at::randn({kv_heads, span, dim}, options);
      const at::Tensor q = at::randn({rows, heads, dim}, options) * 2;
      // Causal among the 5 new rows after 255 committed ones.
      const AttentionMask mask = StackedBiasMask(
          at::cat({at::ones({rows, span - rows}, at::kBool), at::ones({rows, rows}, at::kBool).tril()}, 1), group,
          options);
      auto got = AttendCached(q, keys, values, mask);
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      const at::Tensor want = ReferenceAttention(q, keys, values, mask.bias);
      const double rel = dtype == at::kFloat ? 1e-5 : 1.0 / 256;
      CHECK(WithinTolerance(*got, want, rel, dtype == at::kFloat ? 1e-5 : 2e-2));
      for (int64_t t = 0; t < rows; ++t) {
        INFO("row " << t);
        AttentionMask one;
        one.past = static_cast<int>(span - rows + t);
        one.rows = 1;
        one.group = static_cast<int>(group);
        std::vector<at::Tensor> bias;
        for (int64_t g = 0; g < group; ++g) bias.push_back(mask.bias[g * rows + t]);
        one.bias = at::stack(bias);
        auto alone = AttendCached(q.narrow(0, t, 1), keys, values, one);
        REQUIRE(alone.ok());
        CHECK(at::equal(*alone, got->narrow(0, t, 1)));
      }
    }
  }
}

// The golden property at the model level: with row-invariant numerics, a verify
// forward of three rows gives each row the logits of the decode step that
// would have produced it, bit for bit (bf16, grouped queries).
TEST_CASE("CUDA fused kernels: row-invariant verify rows equal decode steps bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  if (!HaveKernels()) return;
  RowInvariantScope invariant;
  const bool use_skinny = GENERATE(false, true);  // GEMV slices, or the skinny GEMM
  INFO("XSD_SKINNY_GEMM=" << use_skinny);
  EnvSwitch skinny("XSD_SKINNY_GEMM", use_skinny ? "1" : "0");
  const std::unique_ptr<LlamaModel> model = TinyCudaModel(at::kBFloat16);
  const std::vector<int32_t> tokens = {4, 8, 15, 16, 23, 42, 7, 1, 9, 30, 31};
  auto forward = [&](KvCache* cache, int start, int count) {
    LlamaInput input;
    input.tokens = *TokensTensor(std::vector<int32_t>(tokens.begin() + start, tokens.begin() + start + count),
                                 model->device());
    input.positions = *PositionRange(start, count, model->device());
    input.logits = LogitsRows::kAll;
    auto out = model->Forward(input, cache);
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    REQUIRE(cache->Advance(count).ok());
    return out->logits.cpu();
  };
  auto steps_cache = KvCache::Create(model->CacheSpec(16));
  auto verify_cache = KvCache::Create(model->CacheSpec(16));
  REQUIRE(steps_cache.ok());
  REQUIRE(verify_cache.ok());
  (void)forward(steps_cache->get(), 0, 8);
  (void)forward(verify_cache->get(), 0, 8);
  const at::Tensor verified = forward(verify_cache->get(), 8, 3);  // [3, vocab]
  REQUIRE(verified.size(0) == 3);
  for (int i = 0; i < 3; ++i) {
    INFO("row " << i);
    const at::Tensor step = forward(steps_cache->get(), 8 + i, 1);
    CHECK(at::equal(step.reshape({-1}), verified[i]));
  }
  // Per layer and cache row, to tell a projection from an attention mismatch.
  const at::Tensor step_keys = (*steps_cache)->all_keys().narrow(-2, 0, 11).cpu();
  const at::Tensor verify_keys = (*verify_cache)->all_keys().narrow(-2, 0, 11).cpu();
  for (int64_t layer = 0; layer < step_keys.size(0); ++layer) {
    for (int64_t row = 8; row < 11; ++row) {
      INFO("layer " << layer << ", cache row " << row);
      CHECK(at::equal(step_keys[layer].narrow(-2, row, 1), verify_keys[layer].narrow(-2, row, 1)));
    }
  }
}

}  // namespace
}  // namespace xsd
