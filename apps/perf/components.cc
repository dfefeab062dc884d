// xsd_llm_components: the profile of one decoder step, component by
// component, on the code paths the model runs with --numerics and
// --kernel_options (xsd::Linear for the GEMMs: the small-row GEMV kernel
// where built, at::linear with gemv=0;
// AttendCached, RmsNorm with the fused kernel where built, RoPE, the cache
// writes, SiLU·gate through LlamaMlp's formula). Each component runs `reps`
// times inside one CUDA graph (no launch gaps), so its time is device time;
// the table gives per-step milliseconds (x its calls per step), the bytes it
// must move and the bandwidth reached, beside the weight-streaming floor.
// Their sum against the measured step (xsd_llm_perf) is the time lost
// between kernels. On CPU it runs the same loop with the host clock (tests).
//
//   xsd_llm_components --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 \
//                      --rows=1,2,5,17 --span=2304 --json=out.json [--numerics=fast]
//                      [--kernel_options=gemv=0]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "xsd/base/clock.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/models/attention.h"
#include "xsd/models/linear.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_rms_norm.h"
#include "xsd/models/rope.h"

namespace {

struct Component {
  std::string name;
  int per_step = 1;         // calls per decoder step
  double bytes = 0;         // bytes a call must move at least (weights, cache, activations)
  std::function<void()> run;
  bool in_sum = true;  // false for alternatives of a component already counted
};

// AttendCached through one implementation.
void ForcedAttention(xsd::AttentionPath path, const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                     const xsd::AttentionMask& mask, xsd::KernelOptions options) {
  options.attention_path = path;
  (void)xsd::AttendCached(q, keys, values, mask, at::Tensor(), options);
}

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> a = {{"preset", "tiny"}, {"vocab", "0"},   {"device", "cpu"}, {"dtype", "fp32"},
                                          {"rows", "1,2,5,17"}, {"span", "256"}, {"reps", "20"},   {"json", ""},
                                          {"numerics", "row_invariant"}, {"kernel_options", ""}};
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const auto eq = s.find('=');
    if (s.rfind("--", 0) != 0 || eq == std::string::npos || !a.count(s.substr(2, eq - 2))) {
      std::fprintf(stderr, "xsd_llm_components: bad argument '%s' (flags: --preset --vocab --device --dtype --rows "
                           "--span --reps --json --numerics --kernel_options)\n", s.c_str());
      std::exit(2);
    }
    a[s.substr(2, eq - 2)] = s.substr(eq + 1);
  }
  return a;
}

int IntFlag(const std::map<std::string, std::string>& a, const std::string& k) {
  int v = 0;
  if (!absl::SimpleAtoi(a.at(k), &v) || v < 0) {
    std::fprintf(stderr, "xsd_llm_components: --%s: expected a non-negative integer, got '%s'\n", k.c_str(),
                 a.at(k).c_str());
    std::exit(2);
  }
  return v;
}

template <typename T>
T OrDie(absl::StatusOr<T> s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "xsd_llm_components: %s: %s\n", what, s.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

// Milliseconds per call: `reps` calls captured in one graph on CUDA (after a
// warm-up call), a host-timed loop elsewhere.
double TimeCall(const c10::Device& device, const std::function<void()>& run, int reps) {
  run();  // warm-up: kernel selection, workspaces
  if (device.is_cuda()) {
    xsd::CudaGraphPool pool;
    auto graph = OrDie(xsd::CudaGraph::Capture(device, &pool, [&]() -> absl::Status {
                         for (int r = 0; r < reps; ++r) run();
                         return absl::OkStatus();
                       }),
                       "capture");
    if (!graph->Replay().ok()) std::exit(1);  // warm replay
    at::zeros({1}, at::TensorOptions().device(device)).item<float>();  // synchronise
    const xsd::TimePoint b = xsd::Now();
    if (!graph->Replay().ok()) std::exit(1);
    at::zeros({1}, at::TensorOptions().device(device)).item<float>();
    return xsd::MillisBetween(b, xsd::Now()) / reps;
  }
  const xsd::TimePoint b = xsd::Now();
  for (int r = 0; r < reps; ++r) run();
  return xsd::MillisBetween(b, xsd::Now()) / reps;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = ParseArgs(argc, argv);
  xsd::LlamaConfig c = OrDie(xsd::LlamaPresetConfig(args.at("preset")), "preset");
  if (IntFlag(args, "vocab") > 0) c.vocab_size = IntFlag(args, "vocab");
  const c10::Device device(args.at("device"));
  const std::string dtype_name = args.at("dtype");
  const auto dtype = dtype_name == "bf16" ? at::kBFloat16 : dtype_name == "fp16" ? at::kHalf : at::kFloat;
  const int span = IntFlag(args, "span"), reps = std::max(1, IntFlag(args, "reps"));
  std::vector<int> rows;
  for (absl::string_view r : absl::StrSplit(args.at("rows"), ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(r, &v) || v < 1) {
      std::fprintf(stderr, "xsd_llm_components: --rows: bad value '%s'\n", std::string(r).c_str());
      return 2;
    }
    rows.push_back(v);
  }
  const auto opt = at::TensorOptions().dtype(dtype).device(device);
  const int64_t h = c.hidden_size, inter = c.intermediate_size, hd = c.head_dim;
  const int64_t qw = c.q_width(), kvw = c.kv_width(), L = c.num_layers;
  const double elem = static_cast<double>(c10::elementSize(dtype));
  c10::NoGradGuard no_grad;
  // One layer's weights (every layer has the same shapes) and the LM head.
  const at::Tensor qkv = at::randn({qw + 2 * kvw, h}, opt) * 0.02, o = at::randn({h, qw}, opt) * 0.02;
  const at::Tensor gate_up = at::randn({2 * inter, h}, opt) * 0.02, down = at::randn({h, inter}, opt) * 0.02;
  const at::Tensor head = at::randn({c.vocab_size, h}, opt) * 0.02;
  const xsd::RmsNorm norm(at::ones({h}, opt), c.rms_norm_eps);
  const at::Tensor keys = at::randn({c.num_kv_heads, span, hd}, opt), values = at::randn({c.num_kv_heads, span, hd}, opt);
  xsd::KernelOptions kernels;
  kernels.numerics = OrDie(xsd::ParseNumerics(args.at("numerics")), "--numerics");
  kernels = OrDie(xsd::ParseKernelOptions(args.at("kernel_options"), kernels), "--kernel_options");
  const double floor_tbps = 3.8;  // bf16 weight streaming measured on the H200 (docs/PERFORMANCE.md)

  std::printf("xsd_llm_components preset=%s vocab=%d device=%s dtype=%s span=%d reps=%d kernels: %s\n",
              args.at("preset").c_str(), c.vocab_size, device.str().c_str(), dtype_name.c_str(), span, reps,
              xsd::KernelOptionsString(kernels).c_str());
  std::ofstream js;
  if (!args.at("json").empty()) js.open(args.at("json"));
  if (js) js << "{\"preset\":\"" << args.at("preset") << "\",\"device\":\"" << device.str() << "\",\"span\":" << span
             << ",\"rows\":{";
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    const int64_t m = rows[ri];
    const at::Tensor x = at::randn({m, h}, opt), res = at::randn({m, h}, opt);
    const at::Tensor x_inter = at::randn({m, inter}, opt), gu = at::randn({m, 2 * inter}, opt);
    const at::Tensor qk = at::randn({m, c.num_heads + c.num_kv_heads, hd}, opt);
    const at::Tensor cos = at::randn({m, hd}, opt), sin = at::randn({m, hd}, opt);
    const at::Tensor q = at::randn({m, c.num_heads, hd}, opt);
    auto mask = OrDie(xsd::AttentionMask::Build(span - static_cast<int>(m), static_cast<int>(m), c.group_size(),
                                                at::Tensor(), x), "mask");
    if (!mask.bias.defined()) {  // the step runner always passes a bias
      mask.bias = at::zeros({c.group_size() * m, span}, opt);
      mask.causal = false;
    }
    at::Tensor cache_layer = at::zeros({c.num_kv_heads, span, hd}, opt);
    const at::Tensor rows_index = at::arange(span - m, span, at::TensorOptions().dtype(at::kLong).device(device));
    const at::Tensor kv_new = at::randn({c.num_kv_heads, m, hd}, opt);
    const std::vector<Component> components = {
        {"qkv projection", static_cast<int>(L), elem * (qw + 2 * kvw) * h, [&] { (void)xsd::Linear(x, qkv, {}, kernels); }},
        {"o projection", static_cast<int>(L), elem * h * qw, [&] { (void)xsd::Linear(x, o, {}, kernels); }},
        {"gate/up projection", static_cast<int>(L), elem * 2 * inter * h, [&] { (void)xsd::Linear(x, gate_up, {}, kernels); }},
        {"down projection", static_cast<int>(L), elem * h * inter, [&] { (void)xsd::Linear(x_inter, down, {}, kernels); }},
        {"lm head", 1, elem * c.vocab_size * h, [&] { (void)xsd::Linear(x, head, {}, kernels); }},
        {"attention (span)", static_cast<int>(L), elem * 2.0 * c.num_kv_heads * span * hd,
         [&] { (void)xsd::AttendCached(q, keys, values, mask, at::Tensor(), kernels); }},
        {"- attention: sdpa", static_cast<int>(L), elem * 2.0 * c.num_kv_heads * span * hd,
         [&] { ForcedAttention(xsd::AttentionPath::kSdpa, q, keys, values, mask, kernels); }, false},
        {"- attention: kernel (1 row: decode kernel)", static_cast<int>(L), elem * 2.0 * c.num_kv_heads * span * hd,
         [&] { ForcedAttention(xsd::AttentionPath::kKernel, q, keys, values, mask, kernels); }, false},
        {"- attention: matmul + softmax", static_cast<int>(L), elem * 2.0 * c.num_kv_heads * span * hd,
         [&] { ForcedAttention(xsd::AttentionPath::kMath, q, keys, values, mask, kernels); }, false},
        {"rms norm (+residual)", static_cast<int>(2 * L + 1), elem * 3.0 * m * h,
         [&] { (void)norm.ForwardResidual(x, res); }},
        {"rope q+k", static_cast<int>(L), elem * 2.0 * qk.numel(), [&] { (void)xsd::RotaryEmbedding::Apply(qk, cos, sin); }},
        {"cache write k+v", static_cast<int>(2 * L), elem * 2.0 * kv_new.numel(),
         [&] { cache_layer.index_copy_(1, rows_index, kv_new); }},
        {"silu * gate", static_cast<int>(L), elem * 3.0 * m * inter,
         [&] { (void)(at::silu(gu.narrow(-1, 0, inter)) * gu.narrow(-1, inter, inter)); }},
    };
    std::printf("\nrows=%lld\n| component | us/call | calls/step | ms/step | MB/call | GB/s | floor ms/step |\n"
                "|---|---|---|---|---|---|---|\n", static_cast<long long>(m));
    double total = 0, floor_total = 0;
    if (js) js << (ri ? "," : "") << "\"" << m << "\":{";
    for (size_t ci = 0; ci < components.size(); ++ci) {
      const Component& k = components[ci];
      const double ms = TimeCall(device, k.run, reps);
      const double step_ms = ms * k.per_step, floor_ms = k.bytes * k.per_step / (floor_tbps * 1e9);
      if (k.in_sum) {
        total += step_ms;
        floor_total += floor_ms;
      }
      std::printf("| %s | %.2f | %d | %.3f | %.2f | %.0f | %.3f |\n", k.name.c_str(), ms * 1e3, k.per_step, step_ms,
                  k.bytes / 1e6, k.bytes / (ms * 1e6), floor_ms);
      if (js) js << (ci ? "," : "") << "\"" << k.name << "\":{\"ms_per_call\":" << ms << ",\"calls\":" << k.per_step
                 << ",\"bytes\":" << k.bytes << "}";
    }
    std::printf("| **sum** | | | **%.3f** | | | **%.3f** |\n", total, floor_total);
    if (js) js << ",\"sum_ms\":" << total << ",\"floor_ms\":" << floor_total << "}";
  }
  if (js) js << "}}\n";
  return 0;
}
