#include "row_invariant_cpu.h"

#include <algorithm>
#include <cmath>
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
// caller, row and thread. The file is also compiled without contraction into
// fused multiply-adds (module.cmake), so no code path rounds differently.
#if defined(__GNUC__) && !defined(__clang__)
#define XSD_ONE_BODY __attribute__((noinline, noipa))
#else
#define XSD_ONE_BODY __attribute__((noinline))
#endif

namespace xsd {
namespace {

// The one reduction: the sum of a[i] * b[i] over i < n in float32, lane
// i % 8 accumulating in increasing i, then ((l0 + l1) + (l2 + l3)) + ((l4 +
// l5) + (l6 + l7)). Compiled twice, for AVX2 and for the baseline, chosen
// once per process by the CPU: each lane's products and adds are the same
// IEEE operations either way (no contraction), so the same bits. On this
// project's 2-core CI machine, a 4096 x 4096 fp32 Linear at 1 / 9 / 64 rows:
// 5.8-6.3 / 16.6-16.8 / 89-93 ms with AVX2 against 6.9-7.2 / 18.0-18.3 /
// 96-98 baseline (three runs each). 32 lanes (four independent vector
// chains) ran no faster: reading the x rows bounds it.
inline __attribute__((always_inline)) float DotBody(const float* a, const float* b, int64_t n) {
  float lane[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) lane[l] += a[i + l] * b[i + l];
  }
  for (int l = 0; i < n; ++i, ++l) lane[l] += a[i] * b[i];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}
XSD_ONE_BODY float DotBaseline(const float* a, const float* b, int64_t n) { return DotBody(a, b, n); }
XSD_ONE_BODY __attribute__((target("avx2"))) float DotAvx2(const float* a, const float* b, int64_t n) {
  return DotBody(a, b, n);
}
float Dot(const float* a, const float* b, int64_t n) {
  static float (*const dot)(const float*, const float*, int64_t) =
      __builtin_cpu_supports("avx2") ? DotAvx2 : DotBaseline;
  return dot(a, b, n);
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

// out[f] += p * v[f], f < d.
XSD_ONE_BODY void AddScaled(float p, const float* v, float* out, int64_t d) {
  for (int64_t f = 0; f < d; ++f) out[f] += p * v[f];
}

template <typename T>
void ToFloat(const T* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}

// n elements of T at src as float32: src itself for float, else converted into buf.
template <typename T>
const float* AsFloat(const T* src, float* buf, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return src;
  } else {
    ToFloat(src, buf, n);
    return buf;
  }
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
    const T* wp = wc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
      std::vector<float> wf(static_cast<size_t>(k));
      for (int64_t j = begin; j < end; ++j) {
        const float* wj = AsFloat(wp + j * k, wf.data(), k);
        for (int64_t r = 0; r < m; ++r) {
          const float v = Dot(xf.data() + r * k, wj, k);
          yp[r * n + j] = static_cast<T>(bf.empty() ? v : v + bf[j]);
        }
      }
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
    // Vector v = (kv * group + g) * rows + t: head kv * group + g, row t.
    at::parallel_for(0, heads * rows, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> p(static_cast<size_t>(span)), result(static_cast<size_t>(d)), row(static_cast<size_t>(d));
      std::vector<unsigned char> visible(static_cast<size_t>(span));
      for (int64_t v = begin; v < end; ++v) {
        const int64_t head = v / rows, t = v - head * rows, kv = head / group, g = head - kv * group;
        const float* qv = qf.data() + (t * heads + head) * d;
        const float* bias_row = bias.empty() ? nullptr : bias.data() + (g * rows + t) * span;
        const T* k_head = kp + kv * kc.stride(0);
        const T* v_head = vp + kv * vc.stride(0);
        for (int64_t j = 0; j < span; ++j) {
          visible[j] = mask.causal ? j <= mask.past + t : bias_row == nullptr || bias_row[j] > kMasked;
          p[j] = visible[j] ? Dot(qv, AsFloat(k_head + j * d, row.data(), d), d) * scale : 0.0f;
          if (visible[j] && bias_row != nullptr) p[j] += bias_row[j];
        }
        const float sum = SoftmaxWeights(p.data(), visible.data(), span);
        std::fill(result.begin(), result.end(), 0.0f);
        for (int64_t j = 0; j < span; ++j) {
          if (visible[j]) AddScaled(p[j], AsFloat(v_head + j * d, row.data(), d), result.data(), d);
        }
        for (int64_t f = 0; f < d; ++f) op[t * heads * d + head * d + f] = static_cast<T>(result[f] / sum);
      }
    });
  });
  return out;
}

}  // namespace xsd
