#include "row_invariant_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Exception.h>
#include <c10/util/Half.h>

#include "fused_kernels.h"
#include "xsd/models/attention.h"
#include "xsd/models/kernel_options.h"

// The reductions are out of line and not cloned: one machine code for every
// caller, row and thread. Within them, tiles of different shapes (a row, or
// three) run the same IEEE operations on each lane in the same order; the
// file is compiled without contraction into fused multiply-adds
// (module.cmake), and nothing reassociates (no fast-math), so no code path
// rounds differently.
#if defined(__GNUC__) && !defined(__clang__)
#define XSD_ONE_BODY __attribute__((noinline, noipa))
#else
#define XSD_ONE_BODY __attribute__((noinline))
#endif

namespace xsd {
namespace {

// The one reduction, Dot(a, b): the sum of a[i] * b[i] over i < n in
// float32, lane i % 8 accumulating in increasing i, then ((l0 + l1) + (l2 +
// l3)) + ((l4 + l5) + (l6 + l7)). Compiled twice, for AVX2 and for the
// baseline, chosen once per process by the CPU (Run, below): each lane's
// products and adds are the same IEEE operations either way (no
// contraction), so the same bits. Tile computes it for several rows and
// columns at once, a vector lane for each of the eight lanes of each output.

// Dot's eight lanes, in the GCC / clang vector extension: one vector
// operation is eight IEEE operations, one a lane, whatever instructions carry
// it (AVX2: one; the baseline: two SSE halves).
typedef float F8 __attribute__((vector_size(32)));
typedef float F8Unaligned __attribute__((vector_size(32), aligned(4), may_alias));

// v = eight elements at p as float32: a bfloat16's bits are the high half of
// its float32's, so each lane is (0, h) as two 16-bit halves. (A shuffle: GCC
// 12 compiles __builtin_convertvector to AVX2 as 128-bit halves, at half the
// speed. Out parameters: a vector return value without AVX draws an ABI
// warning.)
typedef uint16_t U16x8 __attribute__((vector_size(16)));
typedef uint16_t U16x16 __attribute__((vector_size(32)));
typedef uint16_t U16x8Unaligned __attribute__((vector_size(16), aligned(2), may_alias));
inline __attribute__((always_inline)) void Load8(const float* p, F8& v) { v = *reinterpret_cast<const F8Unaligned*>(p); }
inline __attribute__((always_inline)) void Load8(const c10::BFloat16* p, F8& v) {
  const U16x8 high = *reinterpret_cast<const U16x8Unaligned*>(p), low = {};
  v = (F8)__builtin_shufflevector(low, high, 0, 8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15);
}

// out[0..3] = the lanes' tree of a, b, c and d, ((l0 + l1) + (l2 + l3)) +
// ((l4 + l5) + (l6 + l7)): the same adds of the same pairs, four sums at a
// time.
typedef float F4 __attribute__((vector_size(16)));
inline __attribute__((always_inline)) void Tree4(const F8& a, const F8& b, const F8& c, const F8& d, float* out) {
  const F8 ab = __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) +
                __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15);  // a01 a23 b01 b23 a45 a67 b45 b67
  const F8 cd = __builtin_shufflevector(c, d, 0, 2, 8, 10, 4, 6, 12, 14) +
                __builtin_shufflevector(c, d, 1, 3, 9, 11, 5, 7, 13, 15);
  const F8 h = __builtin_shufflevector(ab, cd, 0, 2, 8, 10, 4, 6, 12, 14) +
               __builtin_shufflevector(ab, cd, 1, 3, 9, 11, 5, 7, 13, 15);  // a0-3 b0-3 c0-3 d0-3 a4-7 ...
  const F4 sum = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
  std::memcpy(out, &sum, sizeof sum);
}

// out[e] = the tree of acc[e], e < n.
template <int N>
inline __attribute__((always_inline)) void Trees(const F8 (&acc)[N], float* out) {
  int e = 0;
  for (; e + 4 <= N; e += 4) Tree4(acc[e], acc[e + 1], acc[e + 2], acc[e + 3], out + e);
  if (e < N) {
    float rest[4];
    Tree4(acc[e], acc[e + 1 < N ? e + 1 : e], acc[e + 2 < N ? e + 2 : e], acc[e], rest);
    for (int t = 0; e + t < N; ++t) out[e + t] = rest[t];
  }
}

// v = the n < 8 elements at p as float32, then zeros.
template <typename W>
inline __attribute__((always_inline)) void LoadTail(const W* p, int64_t n, F8& v) {
  float lane[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t l = 0; l < n; ++l) lane[l] = static_cast<float>(p[l]);
  std::memcpy(&v, lane, sizeof v);
}

// One step of Tile: eight elements from i into acc (kTail: the k - i < 8
// left, the other lanes adding 0 * 0, which leaves them as they are: a lane,
// from +0, is never -0).
template <int R, int C, bool kTail, typename W>
inline __attribute__((always_inline)) void TileStep(const float* x, const W* w, int64_t k, int64_t i, F8 (&acc)[R * C]) {
  F8 wv[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) {
    if constexpr (kTail) {
      LoadTail(w + c * k + i, k - i, wv[c]);
    } else {
      Load8(w + c * k + i, wv[c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    F8 xv;
    if constexpr (kTail) {
      LoadTail(x + r * k + i, k - i, xv);
    } else {
      Load8(x + r * k + i, xv);
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) acc[r * C + c] += xv * wv[c];
  }
}

// Cache lines [begin, end) from `base` to prefetch during a Tile, one a
// step (none: base null).
struct Prefetch {
  const char* base = nullptr;
  int64_t begin = 0, end = 0;
};

// out[r][c] = Dot(x row r, w row c) for R rows of x and C rows of w (both
// of k elements a row), each vector lane of acc[r * C + c] one of Dot's lanes:
// the same sums in the same order for every tile shape, each weight vector
// loaded once for R rows and each x vector once for C columns; the
// prefetch, if any, one of Prefetch's lines a step.
template <int R, int C, typename W>
inline __attribute__((always_inline)) void Tile(const float* x, const W* w, int64_t k, float (&out)[R][C],
                                                const Prefetch& prefetch = Prefetch()) {
  F8 acc[R * C];
#pragma GCC unroll 16
  for (int e = 0; e < R * C; ++e) acc[e] = F8{};
  int64_t i = 0;
  if (prefetch.base != nullptr) {
    for (int64_t line = prefetch.begin; i + 8 <= k; i += 8) {
      TileStep<R, C, false>(x, w, k, i, acc);
      if (line < prefetch.end) __builtin_prefetch(prefetch.base + line++ * 64);
    }
  }
  for (; i + 8 <= k; i += 8) TileStep<R, C, false>(x, w, k, i, acc);
  if (i < k) TileStep<R, C, true>(x, w, k, i, acc);
  Trees(acc, &out[0][0]);
}

// x / (1 + exp(-x)), as ATen's SiLU.
XSD_ONE_BODY float Silu(float x) { return x / (1.0f + std::exp(-x)); }

// In place: scores[j] -> p_j = exp(s_j - max) over the visible keys (max
// over them), 0 elsewhere; returns the sum of p in key order.
XSD_ONE_BODY float SoftmaxWeights(float* scores, const unsigned char* visible, int64_t keys) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < keys; ++j) {
    if (visible[j] && scores[j] > max) max = scores[j];
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < keys; ++j) {
    scores[j] = visible[j] ? std::exp(scores[j] - max) : 0.0f;
    sum += scores[j];
  }
  return sum;
}

template <typename T>
void ToFloat(const T* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}

// v rounded to T (round to nearest even, as ATen's conversions) and back.
template <typename T>
float Round(float v) {
  return static_cast<float>(static_cast<T>(v));
}

// f(T()) for the dtype of `t` (float, c10::BFloat16, c10::Half: RowInvariantOnCpu's).
template <typename F>
void ForDtype(const at::Tensor& t, F&& f) {
  switch (t.scalar_type()) {
    case at::kFloat: f(float()); break;
    case at::kBFloat16: f(c10::BFloat16()); break;
    case at::kHalf: f(c10::Half()); break;
    default: TORCH_CHECK(false, "row-invariant CPU numerics: unsupported dtype ", t.scalar_type());
  }
}

// A tensor's elements as float32, contiguous.
template <typename T>
std::vector<float> Floats(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  std::vector<float> out(static_cast<size_t>(c.numel()));
  ToFloat(c.data_ptr<T>(), out.data(), c.numel());
  return out;
}

// A product's operands, y [m, n] = x [m, k] · w [n, k]^T (+ bias): x and
// the bias (or null) as float32, w of the dtype T, y of Y (T for Linear,
// float32 for attention scores).
template <typename T, typename Y = T>
struct LinearArgs {
  const float* x;
  int64_t m, k;
  const T* w;
  const float* bias;
  Y* y;
  int64_t n;
};

// 3 x 3 tiles: nine accumulators, three weight vectors and one x vector in
// AVX2's sixteen registers; 2 x 4, 2 x 6, 4 x 2 and 4 x 3 tiles ran as fast
// or slower at 9 and 17 rows (docs/perf/2026-12-08_issue17_cpu_tiles/).
constexpr int kTileRows = 3, kTileColumns = 3;

// Columns [j, j + C) of every row from the weight rows at w (k apart): tiles
// of kTileRows rows, then single rows.
template <int C, typename T, typename Y, typename W>
inline __attribute__((always_inline)) void ColumnRows(const LinearArgs<T, Y>& a, int64_t j, const W* w) {
  const auto store = [&](int64_t r, int c, float v) {
    a.y[r * a.n + j + c] = static_cast<Y>(a.bias == nullptr ? v : v + a.bias[j + c]);
  };
  // The first pass over these weight rows (a row tile or a single row)
  // reads them from memory, the others from L2 while nothing streams: they
  // prefetch the next column tile's rows instead, evenly (the rows of a.w
  // that follow these: w is a.w's rows or, for float16, a converted copy,
  // whose successors are a.w's anyway); a single pass (a decode step)
  // prefetches them as it goes. At most one line a step: two (float32 at one
  // or two rows) ran 15-30 % slower than none, one ran bf16 at one row 1.7x
  // faster and float32 at nine rows 1.25x (docs/perf/2026-12-08_issue17_cpu_tiles/).
  const int64_t tiles = a.m / kTileRows, passes = tiles + a.m % kTileRows, steps = a.k / 8;
  const int64_t next_rows = std::min<int64_t>(C, a.n - j - C);
  const int64_t first = passes > 1 ? 1 : 0;  // the first pass that prefetches
  const int64_t lines = next_rows > 0 ? (next_rows * a.k * static_cast<int64_t>(sizeof(T)) + 63) / 64 : 0;
  Prefetch prefetch;
  if (lines > 0 && lines <= (passes - first) * steps) {
    prefetch.base = reinterpret_cast<const char*>(a.w + (j + C) * a.k);
    prefetch.end = lines;
  }
  // The prefetch of pass `pass` (none for a pass before `first`).
  const auto part = [&](int64_t pass) {
    Prefetch p;
    if (pass >= first) {
      p = prefetch;
      p.begin = (pass - first) * steps;
    }
    return p;
  };
  int64_t r = 0;
  for (; r + kTileRows <= a.m; r += kTileRows) {
    float out[kTileRows][C];
    Tile<kTileRows, C>(a.x + r * a.k, w, a.k, out, part(r / kTileRows));
    for (int t = 0; t < kTileRows; ++t) {
      for (int c = 0; c < C; ++c) store(r + t, c, out[t][c]);
    }
  }
  for (; r < a.m; ++r) {
    float out[1][C];
    Tile<1, C>(a.x + r * a.k, w, a.k, out, part(tiles + r - tiles * kTileRows));
    for (int c = 0; c < C; ++c) store(r, c, out[0][c]);
  }
}

// Columns [j, j + C): the weights read in place (float16 ones converted to
// float32 first: no vector load converts them here).
template <int C, typename T, typename Y>
inline __attribute__((always_inline)) void Columns(const LinearArgs<T, Y>& a, int64_t j, std::vector<float>& converted) {
  const T* w = a.w + j * a.k;
  if constexpr (std::is_same_v<T, c10::Half>) {
    converted.resize(static_cast<size_t>(C * a.k));
    ToFloat(w, converted.data(), C * a.k);
    ColumnRows<C>(a, j, static_cast<const float*>(converted.data()));
  } else {
    ColumnRows<C>(a, j, w);
  }
}

// Columns [begin, end) of y: whole column tiles, then single columns.
template <typename T, typename Y>
inline __attribute__((always_inline)) void LinearPanel(const LinearArgs<T, Y>& a, int64_t begin, int64_t end) {
  std::vector<float> converted;
  int64_t j = begin;
  for (; j + kTileColumns <= end; j += kTileColumns) Columns<kTileColumns>(a, j, converted);
  for (; j < end; ++j) Columns<1>(a, j, converted);
}

// Attention's weighted values: out [vectors, d] = for each vector v and
// feature f, the sum over the keys j that v sees, in key order, of p[v][j] *
// value[j][f] (float32, one product and one add a term: a decode step's
// sums).
// values [span, d] of W (float32 or bfloat16), read once for every
// kValueRows vectors.
template <typename W>
struct ValueArgs {
  const float* p;
  const unsigned char* visible;  // [vectors, span]
  const int64_t* seen;           // [vectors]: keys [0, seen[v]) all visible to v
  int64_t vectors, span, d;
  const W* values;
  float* out;
};

constexpr int kValueRows = 2;  // 2 x 4 vectors of accumulators (4 x 4 spills; no faster)

// Key j into vectors [v, v + R), features [f, f + 8 C) (kTest: only the
// vectors that see it).
template <int R, int C, bool kTest, typename W>
inline __attribute__((always_inline)) void ValueStep(const ValueArgs<W>& a, int64_t v, int64_t f, int64_t j,
                                                     F8 (&acc)[R][C]) {
  F8 value[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) Load8(a.values + j * a.d + f + 8 * c, value[c]);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const int64_t at = (v + r) * a.span + j;
    if (kTest && !a.visible[at]) continue;
    const float p = a.p[at];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) acc[r][c] += p * value[c];
  }
}

// Vectors [v, v + R), features [f, f + 8 C).
template <int R, int C, typename W>
inline __attribute__((always_inline)) void ValueTile(const ValueArgs<W>& a, int64_t v, int64_t f) {
  F8 acc[R][C];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) acc[r][c] = F8{};
  }
  // Keys every vector of the tile sees (the prefix, in chains and trees
  // alike) without a test, then the rest key by key.
  int64_t common = a.span;
  for (int r = 0; r < R; ++r) common = std::min(common, a.seen[v + r]);
  int64_t j = 0;
  for (; j < common; ++j) ValueStep<R, C, false>(a, v, f, j, acc);
  for (; j < a.span; ++j) ValueStep<R, C, true>(a, v, f, j, acc);
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) std::memcpy(a.out + (v + r) * a.d + f + 8 * c, &acc[r][c], sizeof(F8));
  }
}

// Feature f of vector v.
template <typename W>
inline __attribute__((always_inline)) void ValueFeature(const ValueArgs<W>& a, int64_t v, int64_t f) {
  float sum = 0.0f;
  for (int64_t j = 0; j < a.span; ++j) {
    const int64_t at = v * a.span + j;
    if (a.visible[at]) sum += a.p[at] * static_cast<float>(a.values[j * a.d + f]);
  }
  a.out[v * a.d + f] = sum;
}

// Vectors [begin, end), every feature: 32 at a time, then 8, then one;
// within each, tiles of kValueRows vectors, then one, so a slice of the
// values (32 features of every key: 288 KB at 2 304 float32 keys) stays in
// L2 for all the vectors.
template <int C, typename W>
inline __attribute__((always_inline)) void ValueColumns(const ValueArgs<W>& a, int64_t begin, int64_t end, int64_t f) {
  int64_t v = begin;
  for (; v + kValueRows <= end; v += kValueRows) ValueTile<kValueRows, C>(a, v, f);
  for (; v < end; ++v) ValueTile<1, C>(a, v, f);
}
template <typename W>
inline __attribute__((always_inline)) void ValueSums(const ValueArgs<W>& a, int64_t begin, int64_t end) {
  int64_t f = 0;
  for (; f + 32 <= a.d; f += 32) ValueColumns<4>(a, begin, end, f);
  for (; f + 8 <= a.d; f += 8) ValueColumns<1>(a, begin, end, f);
  for (; f < a.d; ++f) {
    for (int64_t v = begin; v < end; ++v) ValueFeature(a, v, f);
  }
}

// Dot(a, b) over n elements into *out.
struct DotArgs {
  const float* a;
  const float* b;
  int64_t n;
  float* out;
};

// Each blocked loop above (Body) compiled for AVX2 and for the baseline,
// chosen once per process by the CPU.
inline __attribute__((always_inline)) void Body(const DotArgs& a, int64_t, int64_t) {
  float out[1][1];
  Tile<1, 1>(a.a, a.b, a.n, out);
  *a.out = out[0][0];
}
template <typename T, typename Y>
inline __attribute__((always_inline)) void Body(const LinearArgs<T, Y>& a, int64_t begin, int64_t end) {
  LinearPanel(a, begin, end);
}
template <typename W>
inline __attribute__((always_inline)) void Body(const ValueArgs<W>& a, int64_t begin, int64_t end) {
  ValueSums(a, begin, end);
}
template <typename Args>
XSD_ONE_BODY void RunBaseline(const Args& a, int64_t begin, int64_t end) {
  Body(a, begin, end);
}
template <typename Args>
XSD_ONE_BODY __attribute__((target("avx2"))) void RunAvx2(const Args& a, int64_t begin, int64_t end) {
  Body(a, begin, end);
}
template <typename Args>
void Run(const Args& a, int64_t begin, int64_t end) {
  static void (*const run)(const Args&, int64_t, int64_t) =
      __builtin_cpu_supports("avx2") ? RunAvx2<Args> : RunBaseline<Args>;
  run(a, begin, end);
}

float Dot(const float* a, const float* b, int64_t n) {
  float out;
  Run(DotArgs{a, b, n, &out}, 0, 0);
  return out;
}

}  // namespace

bool RowInvariantOnCpu(const KernelOptions& options, int64_t rows, std::initializer_list<at::Tensor> tensors) {
  return options.row_invariant() && RowInvariantCpuCall(rows, tensors);
}

bool RowInvariantCpuCall(int64_t rows, std::initializer_list<at::Tensor> tensors) {
  if (rows < 1 || rows > kRowInvariantMaxRows) return false;
  const at::Tensor* first = nullptr;
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (first == nullptr) first = &t;
    const at::ScalarType s = t.scalar_type();
    const bool dtype = s == at::kFloat || s == at::kBFloat16 || s == at::kHalf;
    if (!t.device().is_cpu() || s != first->scalar_type() || !dtype || NeedsAutograd(t)) {
      return false;
    }
  }
  return first != nullptr;
}

at::Tensor RowInvariantLinearCpu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const int64_t k = x.size(-1), n = w.size(0), m = k > 0 ? x.numel() / k : 0;
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  at::Tensor y = at::empty(shape, x.options().memory_format(at::MemoryFormat::Contiguous));
  ForDtype(x, [&](auto tag) {
    using T = decltype(tag);
    const std::vector<float> xf = Floats<T>(x);
    const at::Tensor wc = w.contiguous();
    const std::vector<float> bf = b.defined() ? Floats<T>(b) : std::vector<float>();
    const LinearArgs<T> args{xf.data(), m, k, wc.data_ptr<T>(), bf.empty() ? nullptr : bf.data(), y.data_ptr<T>(), n};
    // Whole column tiles to each thread.
    at::parallel_for(0, (n + kTileColumns - 1) / kTileColumns, 16, [&](int64_t begin, int64_t end) {
      Run(args, begin * kTileColumns, std::min(n, end * kTileColumns));
    });
  });
  return y;
}

at::Tensor RowInvariantSiluMulCpu(const at::Tensor& gate_up, int64_t inter) {
  std::vector<int64_t> shape = gate_up.sizes().vec();
  shape.back() = inter;
  const int64_t rows = inter > 0 ? gate_up.numel() / (2 * inter) : 0;
  at::Tensor act = at::empty(shape, gate_up.options().memory_format(at::MemoryFormat::Contiguous));
  ForDtype(gate_up, [&](auto tag) {
    using T = decltype(tag);
    const at::Tensor c = gate_up.contiguous();
    const T* in = c.data_ptr<T>();
    T* out = act.data_ptr<T>();
    at::parallel_for(0, rows * inter, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t e = begin; e < end; ++e) {
        const int64_t r = e / inter, i = e - r * inter;
        const T* row = in + r * 2 * inter;
        const float gate = static_cast<float>(row[i]), up = static_cast<float>(row[inter + i]);
        out[e] = static_cast<T>(Round<T>(Silu(gate)) * up);
      }
    });
  });
  return act;
}

at::Tensor RowInvariantRmsNormCpu(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const int64_t d = x.size(-1), rows = d > 0 ? x.numel() / d : 0;
  at::Tensor out = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  ForDtype(x, [&](auto tag) {
    using T = decltype(tag);
    const std::vector<float> xf = Floats<T>(x), wf = Floats<T>(weight);
    T* op = out.data_ptr<T>();
    const float epsilon = static_cast<float>(eps);
    at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* row = xf.data() + r * d;
        const float inv = 1.0f / std::sqrt(Dot(row, row, d) / static_cast<float>(d) + epsilon);
        for (int64_t i = 0; i < d; ++i) op[r * d + i] = static_cast<T>(wf[i] * Round<T>(row[i] * inv));
      }
    });
  });
  return out;
}

at::Tensor RowInvariantAttendCpu(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                                 const AttentionMask& mask) {
  const int64_t rows = q.size(0), heads = q.size(1), d = q.size(2);
  const int64_t kv_heads = keys.size(0), span = keys.size(1), group = heads / kv_heads;
  at::Tensor out = at::empty({rows, heads * d}, q.options().memory_format(at::MemoryFormat::Contiguous));
  // The cache is read in place, a key or value row at a time (its rows are
  // contiguous in the cache's views).
  const auto rows_contiguous = [d](const at::Tensor& t) {
    return t.stride(2) == 1 && t.stride(1) == d ? t : t.contiguous();
  };
  const at::Tensor kc = rows_contiguous(keys), vc = rows_contiguous(values);
  ForDtype(q, [&](auto tag) {
    using T = decltype(tag);
    const std::vector<float> qf = Floats<T>(q);
    const std::vector<float> bias = mask.bias.defined() ? Floats<T>(mask.bias) : std::vector<float>();
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    const float kMasked = -std::numeric_limits<float>::infinity();  // a bias that hides a key
    const T* kp = kc.data_ptr<T>();
    const T* vp = vc.data_ptr<T>();
    T* op = out.data_ptr<T>();
    // A KV head's query vectors v = g * rows + t (head kv * group + g, row
    // t) read each key and value row once for all of them: the scores are
    // one product over the key rows (each score Dot's sum, in Linear's
    // tiles), and each vector sums its values in key order.
    const int64_t vectors = group * rows;
    at::parallel_for(0, kv_heads, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> qb(static_cast<size_t>(vectors * d)), s(static_cast<size_t>(vectors * span));
      std::vector<float> result(static_cast<size_t>(vectors * d));
      std::vector<float> values(std::is_same_v<T, c10::Half> ? static_cast<size_t>(span * d) : 0);
      std::vector<float> sums(static_cast<size_t>(vectors));
      std::vector<int64_t> seen(static_cast<size_t>(vectors));
      std::vector<unsigned char> visible(static_cast<size_t>(vectors * span));
      for (int64_t kv = begin; kv < end; ++kv) {
        for (int64_t v = 0; v < vectors; ++v) {
          const int64_t head = kv * group + v / rows, t = v % rows;
          std::copy_n(qf.data() + (t * heads + head) * d, d, qb.data() + v * d);
        }
        const T* k_head = kp + kv * kc.stride(0);
        const T* v_head = vp + kv * vc.stride(0);
        Run(LinearArgs<T, float>{qb.data(), vectors, d, k_head, nullptr, s.data(), span}, 0, span);
        for (int64_t v = 0; v < vectors; ++v) {
          const int64_t t = v % rows;
          const float* bias_row = bias.empty() ? nullptr : bias.data() + v * span;
          float* p = s.data() + v * span;
          unsigned char* sees = visible.data() + v * span;
          int64_t& prefix = seen[static_cast<size_t>(v)];
          prefix = span;
          for (int64_t j = 0; j < span; ++j) {
            sees[j] = mask.causal ? j <= mask.past + t : bias_row == nullptr || bias_row[j] > kMasked;
            if (!sees[j]) prefix = std::min(prefix, j);
            p[j] = sees[j] ? p[j] * scale : 0.0f;
            if (sees[j] && bias_row != nullptr) p[j] += bias_row[j];
          }
          sums[static_cast<size_t>(v)] = SoftmaxWeights(p, sees, span);
        }
        if constexpr (std::is_same_v<T, c10::Half>) {
          ToFloat(v_head, values.data(), span * d);
          Run(ValueArgs<float>{s.data(), visible.data(), seen.data(), vectors, span, d, values.data(), result.data()}, 0,
              vectors);
        } else {
          Run(ValueArgs<T>{s.data(), visible.data(), seen.data(), vectors, span, d, v_head, result.data()}, 0, vectors);
        }
        for (int64_t v = 0; v < vectors; ++v) {
          const int64_t head = kv * group + v / rows, t = v % rows;
          for (int64_t f = 0; f < d; ++f) {
            op[t * heads * d + head * d + f] = static_cast<T>(result[v * d + f] / sums[static_cast<size_t>(v)]);
          }
        }
      }
    });
  });
  return out;
}

}  // namespace xsd
