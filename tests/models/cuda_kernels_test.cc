// The fused CUDA kernels (lib/src/kernels) against the ATen formulas they
// replace and float64 references: RMSNorm, the one-row GEMV, rotary
// embedding fused with the cache write, split-K cached attention and its
// one-row decode kernel. Each
// kernel has a seam in KernelOptions (gemv, rope_kernel, attention_path, ...:
// xsd/models/kernel_options.h) that these cases turn off to run the ATen
// path in the same process. The executable skips every case where no CUDA
// device or no fused kernels exist (tests/support/cuda_main.cc).
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "llama_test_models.h"
#include "step_checks.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/attention.h"
#include "xsd/models/linear.h"
#include "xsd/models/llama_attention.h"
#include "xsd/models/llama_mlp.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/weights_map.h"
#include "xsd/models/kernel_options.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

// The fast (non-exact) numerics these cases were written for; the product's
// default is row-invariant (xsd/models/kernel_options.h).
KernelOptions FastOptions() {
  KernelOptions o;
  o.numerics = Numerics::kFast;
  return o;
}

KernelOptions PathOptions(AttentionPath path) {
  KernelOptions o = FastOptions();
  o.attention_path = path;
  return o;
}

KernelOptions RowInvariant(AttentionPath path = AttentionPath::kAuto) {
  KernelOptions o = PathOptions(path);
  o.numerics = Numerics::kRowInvariant;
  return o;
}

TEST_CASE("CUDA fused kernels: RMSNorm with the residual add equals the ATen formula", "[models][llama][cuda][kernels]") {
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
  at::manual_seed(4);
  const auto options = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  for (const int64_t k : {4096, 11008, 64}) {
    const at::Tensor w = at::randn({1000, k}, options) * 0.02;
    for (const int64_t m : {1, 2, 5, 8, 9}) {  // 1: the GEMV kernel; more rows: at::linear
      INFO("k " << k << ", rows " << m);
      const at::Tensor x = at::randn({m, k}, options);
      auto got = Linear(x, w, at::Tensor(), FastOptions());
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
  auto shifted = Linear(shifted_x, w, at::Tensor(), FastOptions());
  INFO(shifted.status().ToString());
  REQUIRE(shifted.ok());
  CHECK(at::equal(*shifted, at::linear(shifted_x, w)));
}


// The tensor-core skinny GEMM (row-invariant numerics): each row's result is
// the same for every row count, one included, and near float32. Weights of
// up to 4096 x 4096 elements split k over four warps, larger ones over eight
// (4104, 4160 x 4096 and 1544, 1040 x 11008 here). The row counts cross
// every launch form's edges: one row tile (the half one up to 8 rows), two
// (half up to 24), three, four; a block's column tiles follow them
// (LaunchColumns: up to four where they divide the columns, else two or
// one).
TEST_CASE("CUDA fused kernels: skinny GEMM rows are the same bits at any row count (bf16)",
          "[models][llama][cuda][kernels]") {
  const KernelOptions invariant = RowInvariant();
  at::manual_seed(29);
  const auto options = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  for (const auto& [n, k] : std::vector<std::pair<int64_t, int64_t>>{{1000, 4096},
                                                                     {1000, 11008},
                                                                     {1000, 64},
                                                                     {4104, 4096},
                                                                     {1544, 11008},
                                                                     {1024, 4096},
                                                                     {4160, 4096},
                                                                     {1040, 11008}}) {
    INFO("n " << n << ", k " << k);
    const at::Tensor w = at::randn({n, k}, options) * 0.02;
    const at::Tensor x = at::randn({64, k}, options);
    const at::Tensor want = at::linear(x.to(at::kFloat), w.to(at::kFloat));
    auto all = Linear(x, w, at::Tensor(), invariant);
    INFO(all.status().ToString());
    REQUIRE(all.ok());
    CHECK(((all->to(at::kFloat) - want).abs() <= want.abs() * (1.0 / 128) + 1e-3).all().item<bool>());
    for (const int64_t m : {1, 2, 5, 8, 9, 16, 17, 24, 25, 32, 33, 48, 49}) {
      INFO("rows " << m);
      auto some = Linear(x.narrow(0, 0, m), w, at::Tensor(), invariant);
      REQUIRE(some.ok());
      CHECK(at::equal(*some, all->narrow(0, 0, m)));
    }
  }
}

// A tiny LLaMA on the GPU in `dtype`; prefill `prefill` rows (at most 24),
// then one decode row: the logits of both forwards and the cache rows written.
struct DecodeTrace {
  std::vector<at::Tensor> logits;
  at::Tensor keys, values;
};

std::unique_ptr<LlamaModel> TinyCudaModel(at::ScalarType dtype, const LlamaConfig& config = testing::TinyConfig(),
                                          const KernelOptions& kernels = FastOptions()) {
  return testing::TinyModelOn(c10::Device(c10::DeviceType::CUDA, 0), dtype, config, kernels);
}

DecodeTrace RunPrefillAndDecode(LlamaModel& model, int prefill = 8) {
  const std::vector<int32_t> prompt = {4, 8, 15, 16, 23, 42, 7, 1, 9, 30, 31, 2, 11,
                                       19, 27, 5, 40, 13, 22, 36, 3, 17, 29, 44, 6};
  REQUIRE(prefill < static_cast<int>(prompt.size()));
  auto cache = KvCache::Create(model.CacheSpec(32));
  REQUIRE(cache.ok());
  DecodeTrace trace;
  for (const auto& [start, count] : {std::make_pair(0, prefill), std::make_pair(prefill, 1)}) {
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
  trace.keys = (*cache)->all_keys().narrow(-2, 0, prefill + 1).cpu();
  trace.values = (*cache)->all_values().narrow(-2, 0, prefill + 1).cpu();
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
// the kernel that the `seam` of `kernels` runs against the ATen formula it
// replaces (the seam off): the same bits (logits and caches).
void CheckKernelMatchesAten(const LlamaConfig& config, const KernelOptions& kernels, bool KernelOptions::*seam) {
  KernelOptions off = kernels;
  off.*seam = false;
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    INFO("dtype " << c10::toString(dtype));
    const DecodeTrace aten = RunPrefillAndDecode(*TinyCudaModel(dtype, config, off));
    const DecodeTrace fused = RunPrefillAndDecode(*TinyCudaModel(dtype, config, kernels));
    CheckSameBits(fused, aten);
  }
}

// The model's forward with the fused rotary + cache-write kernel against the
// ATen rotation and cache copies (attention on the same path in both): the
// kernel rounds where ATen rounds, so logits and caches are bitwise equal.
// Head dim 16: the 8-pairs-per-thread form (half a head a multiple of 8);
// head dim 8: the one-pair-per-thread form.
TEST_CASE("CUDA fused kernels: rotary embedding + cache write equals the ATen path bitwise", "[models][llama][cuda][kernels]") {
  for (const int head_dim : {16, 8}) {
    INFO("head dim " << head_dim);
    LlamaConfig config = testing::TinyConfig();
    config.head_dim = head_dim;
    config.num_heads = 64 / head_dim;
    config.num_kv_heads = config.num_heads / 2;
    CheckKernelMatchesAten(config, PathOptions(AttentionPath::kMath), &KernelOptions::rope_kernel);
  }
}

// The SiLU(gate) * up kernel of prefill and verify rows against the ATen
// formula: it rounds where ATen rounds, so the same bits. Intermediate 160:
// 8 channels per thread; 164: one per thread (not a multiple of 8).
TEST_CASE("CUDA fused kernels: SiLU * up equals the ATen formula bitwise", "[models][llama][cuda][kernels]") {
  KernelOptions kernels = FastOptions();
  kernels.silu_gemv = false;  // the decode row through the same kernel
  for (const int64_t inter : {160, 164}) {
    INFO("intermediate " << inter);
    LlamaConfig config = testing::TinyConfig();
    config.intermediate_size = inter;
    CheckKernelMatchesAten(config, kernels, &KernelOptions::silu_kernel);
  }
}

// The decode row's qkv projection with the rotation and the cache write in
// its epilogue (one kernel) against the GEMV followed by the rotation +
// cache-write kernel: each output summed and rounded as the GEMV does, then
// rotated as the rotation kernel does, so logits and cache rows are the same
// bits. Head dims 16 (the tiny model) and 128 (7B's), grouped queries.
TEST_CASE("CUDA fused kernels: qkv GEMV with rotary + cache write equals GEMV + rotary bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  for (const int head_dim : {16, 128}) {
    INFO("head dim " << head_dim);
    LlamaConfig config = testing::TinyConfig();
    if (head_dim == 128) {
      config.num_heads = 2;
      config.num_kv_heads = 1;
      config.head_dim = 128;
      config.hidden_size = 256;
    }
    KernelOptions off = FastOptions();
    off.qkv_rope = false;
    int64_t before = LlamaAttention::FusedQkvRopeRows();
    const DecodeTrace split = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, config, off));
    CHECK(LlamaAttention::FusedQkvRopeRows() == before);
    const DecodeTrace fused = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, config));
    CHECK(LlamaAttention::FusedQkvRopeRows() == before + config.num_layers);  // the decode row of each layer
    CheckSameBits(fused, split);
  }
}

// The decode row's MLP with gate/up GEMV and SiLU·up in one kernel against
// the GEMV followed by the SiLU kernel: the same rounding steps, so the same
// bits (a bug in the pairing of gate and up rows changes every logit).
TEST_CASE("CUDA fused kernels: gate/up GEMV with SiLU equals GEMV + SiLU bitwise (bf16)", "[models][llama][cuda][kernels]") {
  KernelOptions off = FastOptions();
  off.silu_gemv = false;
  const DecodeTrace split = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, testing::TinyConfig(), off));
  const DecodeTrace fused = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16));
  CheckSameBits(fused, split);
  // And both near the ATen formulas (no fused kernels at all), in float32.
  KernelOptions aten = PathOptions(AttentionPath::kMath);
  aten.gemv = false;
  aten.rope_kernel = false;
  const DecodeTrace plain = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, testing::TinyConfig(), aten));
  const at::Tensor got = fused.logits.back().to(at::kFloat), want = plain.logits.back().to(at::kFloat);
  CHECK(((got - want).abs() <= want.abs() * (1.0 / 32) + 0.05).all().item<bool>());
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

// Several rows through the kernel path: the split-K kernel (fast numerics),
// the tensor-core kernel (row-invariant numerics, bf16 and fp16 at head dim
// 128: attention_mma.cu) or the decode kernel at several rows (row-invariant
// numerics elsewhere, float32 here).
struct SeveralRowsCase {
  at::ScalarType dtype;
  int64_t dim;
  Numerics numerics;
};

TEST_CASE("CUDA fused kernels: cached attention of several rows matches float64; rows and span do not change a row",
          "[models][llama][cuda][kernels]") {
  const double inf = std::numeric_limits<double>::infinity();
  const SeveralRowsCase cases[] = {
      {at::kFloat, 64, Numerics::kFast},           {at::kBFloat16, 64, Numerics::kFast},
      {at::kBFloat16, 128, Numerics::kFast},       {at::kBFloat16, 128, Numerics::kRowInvariant},
      {at::kHalf, 128, Numerics::kRowInvariant},   {at::kFloat, 128, Numerics::kRowInvariant}};
  for (const SeveralRowsCase& c : cases) {
    const at::ScalarType dtype = c.dtype;
    const int64_t dim = c.dim;
    INFO("dtype " << c10::toString(dtype) << ", head dim " << dim << ", numerics " << NumericsName(c.numerics));
    const auto options_for = [&](AttentionPath path) {
      KernelOptions o = PathOptions(path);
      o.numerics = c.numerics;
      return o;
    };
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
    for (const AttentionPath path : {AttentionPath::kSdpa, AttentionPath::kMath, AttentionPath::kKernel}) {
      INFO("path " << AttentionPathName(path));
      auto got = AttendCached(q, keys, values, mask, at::Tensor(), options_for(path));
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      const double rel = dtype == at::kFloat ? 1e-5 : (path == AttentionPath::kKernel ? 1.0 / 256 : 1.0 / 16);
      CHECK(WithinTolerance(*got, want, rel, dtype == at::kFloat ? 1e-5 : 2e-2));
    }
    const KernelOptions kernel = options_for(AttentionPath::kKernel);
    auto got = AttendCached(q, keys, values, mask, at::Tensor(), kernel);
    REQUIRE(got.ok());
    const double rel = dtype == at::kFloat ? 1e-5 : 1.0 / 256;

    // Each row alone (its bias rows of both heads) gives the same bits.
    for (int64_t t = 0; t < rows; ++t) {
      INFO("row " << t);
      AttentionMask one = mask;
      one.rows = 1;
      one.bias = at::stack({mask.bias[t], mask.bias[rows + t]});
      auto alone = AttendCached(q.narrow(0, t, 1), keys, values, one, at::Tensor(), kernel);
      REQUIRE(alone.ok());
      CHECK(at::equal(*alone, got->narrow(0, t, 1)));
    }
    // Row-invariant numerics take the decode kernel at every row count
    // (where the tensor-core kernel does not apply): with a cache's counters
    // its last blocks combine (three vector groups per KV head here), the
    // same bits as the combine kernel, the counters left zero.
    {
      const KernelOptions exact = RowInvariant();
      auto split = AttendCached(q, keys, values, mask, at::Tensor(), exact);
      const at::Tensor counters = at::zeros({kv_heads * KvCache::kKernelCountersPerKvHead}, options.dtype(at::kInt));
      auto fused = AttendCached(q, keys, values, mask, counters, exact);
      REQUIRE(split.ok());
      REQUIRE(fused.ok());
      CHECK(at::equal(*fused, *split));
      CHECK(at::count_nonzero(counters).item<int64_t>() == 0);
    }
    // A wider span whose extra keys are masked: the same bits (the extra
    // chunk adds exact zeros).
    AttentionMask widened = mask;
    widened.bias = at::cat({mask.bias, at::full({group * rows, wide - span}, -inf, options)}, 1);
    auto wider = AttendCached(q, key_cache.narrow(1, 0, wide), value_cache.narrow(1, 0, wide), widened, at::Tensor(),
                              kernel);
    REQUIRE(wider.ok());
    CHECK(at::equal(*wider, *got));

    // One row without a bias (decode in eager mode) sees every key.
    AttentionMask decode;
    decode.past = static_cast<int>(span - 1);
    decode.rows = 1;
    decode.group = static_cast<int>(group);
    auto step = AttendCached(q.narrow(0, 0, 1), keys, values, decode, at::Tensor(), kernel);
    REQUIRE(step.ok());
    const at::Tensor step_want = ReferenceAttention(q.narrow(0, 0, 1), keys, values, at::Tensor());
    CHECK(WithinTolerance(*step, step_want, rel, 1e-5));
  }
}

// Decode on tensor cores (row-invariant numerics, head dim 128, one query
// vector per KV head): the same bits as that row in a verify call of three
// rows (causal bias), with or without a cache's counters (left zero for the
// next call), near float64. Spans: the decode row's last chunk partly
// visible (70, 2 304); the verify's last 64-key chunk all masked for it,
// inside the decode's last part of two chunks (66), or opening a part of
// its own (130).
TEST_CASE("CUDA fused kernels: tensor-core decode attention equals its verify row bitwise, counters or not",
          "[models][llama][cuda][kernels]") {
  const KernelOptions exact = RowInvariant();
  for (const auto dtype : {at::kBFloat16, at::kHalf}) {
    for (const int64_t span : {66, 70, 130, 2304}) {
      INFO("dtype " << c10::toString(dtype) << ", span " << span);
      at::manual_seed(5);
      const auto options = at::TensorOptions().dtype(dtype).device(at::kCUDA);
      const int64_t heads = 4, dim = 128, rows = 3;
      const at::Tensor keys = at::randn({heads, span, dim}, options);
      const at::Tensor values = at::randn({heads, span, dim}, options);
      const at::Tensor q = at::randn({rows, heads, dim}, options);
      // The verify call: rows 0..2 at positions span - 3 .. span - 1, causal.
      const at::Tensor allowed = at::ones({rows, span}, at::kBool).tril(span - rows);
      const AttentionMask mask = StackedBiasMask(allowed, 1, options);
      auto verify = AttendCached(q, keys, values, mask, at::Tensor(), exact);
      INFO(verify.status().ToString());
      REQUIRE(verify.ok());
      // Row 0 as a decode step over the keys it sees.
      AttentionMask decode;
      decode.past = static_cast<int>(span - rows);
      decode.rows = 1;
      const at::Tensor k0 = keys.narrow(1, 0, span - rows + 1), v0 = values.narrow(1, 0, span - rows + 1);
      auto plain = AttendCached(q.narrow(0, 0, 1), k0, v0, decode, at::Tensor(), exact);
      const at::Tensor counters = at::zeros({heads * KvCache::kKernelCountersPerKvHead}, options.dtype(at::kInt));
      auto combined = AttendCached(q.narrow(0, 0, 1), k0, v0, decode, counters, exact);
      REQUIRE(plain.ok());
      REQUIRE(combined.ok());
      CHECK(at::equal(*combined, *plain));
      CHECK(at::equal(*combined, verify->narrow(0, 0, 1)));
      CHECK(at::count_nonzero(counters).item<int64_t>() == 0);
      auto again = AttendCached(q.narrow(0, 0, 1), k0, v0, decode, counters, exact);  // the counters reused
      REQUIRE(again.ok());
      CHECK(at::equal(*again, *plain));
      CHECK(WithinTolerance(*plain, ReferenceAttention(q.narrow(0, 0, 1), k0, v0, at::Tensor()), 1.0 / 256, 1e-5));
    }
  }
}

// One query row per KV head (decode without grouped queries) has its own
// kernel, chosen by default there: it must match float64, give the same bits
// on every call (SDPA's cuDNN backend does not, docs/PERFORMANCE.md run 6),
// and not depend on the span: masked keys and keys past the span add exact
// zeros, so the same visible keys give the same bits.
TEST_CASE("CUDA fused kernels: one-row decode attention matches float64, is reproducible and span-independent",
          "[models][llama][cuda][kernels]") {
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
      const KernelOptions kernel = PathOptions(AttentionPath::kKernel);
      auto got = AttendCached(q, keys, values, mask, at::Tensor(), kernel);
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      const double rel = dtype == at::kFloat ? 1e-5 : 1.0 / 256;
      CHECK(WithinTolerance(*got, want, rel, dtype == at::kFloat ? 1e-5 : 2e-2));
      // The same bits on every call.
      for (int i = 0; i < 3; ++i) {
        auto again = AttendCached(q, keys, values, mask, at::Tensor(), kernel);
        REQUIRE(again.ok());
        CHECK(at::equal(*again, *got));
      }
      // With a cache's counters the chunk kernel's last blocks combine: the
      // same bits as the combine kernel, and the counters left zero for the
      // next call.
      const at::Tensor counters = at::zeros({heads * KvCache::kKernelCountersPerKvHead}, options.dtype(at::kInt));
      for (int i = 0; i < 3; ++i) {
        auto fused = AttendCached(q, keys, values, mask, counters, kernel);
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
      auto exact = AttendCached(q, key_cache.narrow(1, 0, visible), value_cache.narrow(1, 0, visible), eager,
                                at::Tensor(), kernel);
      REQUIRE(exact.ok());
      CHECK(at::equal(*exact, *got));
      AttentionMask widened = mask;
      widened.bias = at::cat({mask.bias, at::full({1, wide - span}, -inf, options)}, 1);
      auto wider = AttendCached(q, key_cache.narrow(1, 0, wide), value_cache.narrow(1, 0, wide), widened,
                                at::Tensor(), kernel);
      REQUIRE(wider.ok());
      CHECK(at::equal(*wider, *got));
      // The default path at one row is this kernel.
      auto chosen = AttendCached(q, keys, values, mask, at::Tensor(), FastOptions());
      REQUIRE(chosen.ok());
      CHECK(at::equal(*chosen, *got));
    }
  }
}

// Row-invariant numerics (xsd/models/kernel_options.h): a call of several rows runs
// the kernel its single rows run (the tensor-core kernel for bf16 at head dim
// 128, else the decode kernel with four query vectors per block), and each
// row must give the bits of that row alone, whatever its neighbours.
TEST_CASE("CUDA fused kernels: row-invariant attention gives each row the bits of the row alone",
          "[models][llama][cuda][kernels]") {
  const KernelOptions invariant = RowInvariant();
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
      auto got = AttendCached(q, keys, values, mask, at::Tensor(), invariant);
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
        auto alone = AttendCached(q.narrow(0, t, 1), keys, values, one, at::Tensor(), invariant);
        REQUIRE(alone.ok());
        CHECK(at::equal(*alone, got->narrow(0, t, 1)));
      }
    }
  }
}

// Row-invariant numerics' fused epilogues (the skinny GEMM with the rotary +
// cache write, and with SiLU·up) against its plain form followed by the
// rotation kernel and the SiLU kernel: the same sums, rounded where those
// round, so logits and cache rows are the same bits, for prefills of 8 and
// 20 rows (<= 64 rows: a step's GEMM; one and several column tiles per
// block) and the decode row. Head dims 16 and 128, grouped queries; at
// hidden 2048 the gate/up weight has more than 4096 x 4096 elements: k split
// over eight warps.
TEST_CASE("CUDA fused kernels: skinny GEMM epilogues equal GEMM + rotary / SiLU kernels bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  for (const int64_t hidden : {64, 256, 2048}) {
    LlamaConfig config = testing::TinyConfig();  // hidden 64, head dim 16
    if (hidden > 64) {
      config.head_dim = 128;
      config.hidden_size = hidden;
      config.num_heads = static_cast<int>(hidden / 128);
      config.num_kv_heads = config.num_heads / 2;
      if (hidden == 2048) config.intermediate_size = 4160;  // gate/up: 2 x 4160 x 2048 > 4096 x 4096
    }
    INFO("head dim " << config.head_dim << ", hidden " << config.hidden_size);
    KernelOptions fused = RowInvariant();
    KernelOptions split = fused;
    split.qkv_rope = false;
    split.silu_gemv = false;
    for (const int prefill : {8, 20}) {  // 20: several column tiles per block
      INFO("prefill rows " << prefill);
      const int64_t before = LlamaAttention::FusedQkvRopeRows();
      const DecodeTrace want = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, config, split), prefill);
      CHECK(LlamaAttention::FusedQkvRopeRows() == before);
      const DecodeTrace got = RunPrefillAndDecode(*TinyCudaModel(at::kBFloat16, config, fused), prefill);
      CHECK(LlamaAttention::FusedQkvRopeRows() == before + 2 * config.num_layers);  // prefill and decode, each layer
      CheckSameBits(got, want);
    }
  }
}

// The golden property at the model level (step_checks.h), on the kernels.
// The tiny model's down projection (k = 160, not a multiple of 64) runs the
// GEMV slices, every other Linear the skinny GEMM: both kernel families.
TEST_CASE("CUDA fused kernels: row-invariant verify rows equal decode steps bitwise (bf16)",
          "[models][llama][cuda][kernels]") {
  testing::CheckVerifyRowsAreDecodeSteps(*TinyCudaModel(at::kBFloat16, testing::TinyConfig(), RowInvariant()));
}

TEST_CASE("CUDA fused kernels: row-invariant tree verify rows equal decode steps along their branches (bf16)",
          "[models][llama][cuda][kernels]") {
  testing::CheckTreeRowsAreBranchSteps(*TinyCudaModel(at::kBFloat16, testing::TinyConfig(), RowInvariant()));
}

}  // namespace
}  // namespace xsd
