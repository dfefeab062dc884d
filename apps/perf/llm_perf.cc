// xsd_llm_perf: times the LLaMA decoder of libxsd at a given shape (7B on the
// GPU machine): prefill, per-token decode, and verification of gamma draft
// tokens relative to one decode step, through LlamaVerifier — the same calls
// the schedulers make (each Verify ends with the argmax readback, so host
// timing includes the device work). Weights are random (timings do not
// depend on their values). Prints a table and writes JSON.
//
//   xsd_llm_perf --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 \
//                --prompt=2076 --decode=64 --gammas=1,2,4,8,16,32 --json=out.json
//                [--numerics=fast] [--kernel_options=gemv=0,attention_path=math]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "xsd/base/clock.h"
#include "xsd/base/rng.h"
#include "xsd/device/device_info.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/models/kernel_options.h"

namespace {

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args = {{"preset", "tiny"}, {"vocab", "0"},        {"device", "cpu"},
                                             {"dtype", "fp32"},  {"prompt", "64"},     {"decode", "16"},
                                             {"gammas", "1,2,4,8"}, {"repeats", "10"}, {"json", ""},
                                             {"step_mode", "auto"}, {"fresh_lengths", "0"},
                                             {"numerics", "row_invariant"}, {"kernel_options", ""}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a.find('=') == std::string::npos) {
      std::fprintf(stderr, "xsd_llm_perf: bad argument '%s' (use --key=value)\n", a.c_str());
      std::exit(2);
    }
    const auto eq = a.find('=');
    const std::string key = a.substr(2, eq - 2);
    if (!args.count(key)) {
      std::fprintf(stderr, "xsd_llm_perf: unknown flag --%s\n", key.c_str());
      std::exit(2);
    }
    args[key] = a.substr(eq + 1);
  }
  return args;
}

int Int(const std::map<std::string, std::string>& a, const std::string& k) {
  int v = 0;
  if (!absl::SimpleAtoi(a.at(k), &v) || v < 0) {
    std::fprintf(stderr, "xsd_llm_perf: --%s: expected a non-negative integer, got '%s'\n", k.c_str(), a.at(k).c_str());
    std::exit(2);
  }
  return v;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

template <typename T>
T OrDie(absl::StatusOr<T> s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "xsd_llm_perf: %s: %s\n", what, s.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

void OrDie(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "xsd_llm_perf: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = ParseArgs(argc, argv);
  const int prompt = Int(args, "prompt"), decode = Int(args, "decode"), repeats = std::max(1, Int(args, "repeats"));
  std::vector<int> gammas;
  for (absl::string_view g : absl::StrSplit(args.at("gammas"), ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(g, &v) || v < 1) {
      std::fprintf(stderr, "xsd_llm_perf: --gammas: bad value '%s'\n", std::string(g).c_str());
      return 2;
    }
    gammas.push_back(v);
  }
  xsd::LlamaConfig config = OrDie(xsd::LlamaPresetConfig(args.at("preset")), "preset");
  if (Int(args, "vocab") > 0) config.vocab_size = Int(args, "vocab");
  xsd::WeightSourceOptions wopts;
  wopts.device = c10::Device(args.at("device"));
  const std::string dtype = args.at("dtype");
  wopts.dtype = dtype == "bf16" ? c10::ScalarType::BFloat16 : dtype == "fp16" ? c10::ScalarType::Half
                                                                             : c10::ScalarType::Float;
  const xsd::TimePoint load_begin = xsd::Now();
  auto weights = OrDie(xsd::RandomLlamaWeights(config, 1, wopts), "random weights");
  xsd::LlamaModelOptions model_options;
  model_options.kernel_options.numerics = OrDie(xsd::ParseNumerics(args.at("numerics")), "--numerics");
  model_options.kernel_options =
      OrDie(xsd::ParseKernelOptions(args.at("kernel_options"), model_options.kernel_options), "--kernel_options");
  std::shared_ptr<const xsd::LlamaModel> model =
      OrDie(xsd::LlamaModel::Load(config, weights.get(), model_options), "load");
  weights.reset();
  const double load_ms = xsd::MillisBetween(load_begin, xsd::Now());
  int max_gamma = 0;
  for (int g : gammas) max_gamma = std::max(max_gamma, g);
  xsd::LlamaSequenceOptions sopts;
  // Every verify round commits its pending token: room for all of them.
  // Plus the step runner's largest step (64 rows), so no step falls back to plain forwards.
  sopts.max_seq_len = prompt + decode + (repeats + 2) * static_cast<int>(gammas.size()) + max_gamma + 8 + 64;
  // --fresh_lengths=N: prefills at N lengths this process has not seen
  // (prompt + 7 i), each timed at its first call and again: what a request at
  // a new prompt length pays once (docs/PERFORMANCE.md run 10).
  const int fresh = Int(args, "fresh_lengths");
  sopts.max_seq_len = std::max(sopts.max_seq_len, prompt + 7 * fresh + 128);
  const std::string mode = args.at("step_mode");
  if (mode == "auto") {
    sopts.step_mode = xsd::LlamaStepMode::kAuto;
  } else if (mode == "eager") {
    sopts.step_mode = xsd::LlamaStepMode::kEager;
  } else if (mode == "static") {
    sopts.step_mode = xsd::LlamaStepMode::kStatic;
  } else if (mode == "graphs") {
    sopts.step_mode = xsd::LlamaStepMode::kGraphs;
  } else {
    std::fprintf(stderr, "xsd_llm_perf: --step_mode: one of auto, eager, static, graphs; got '%s'\n", mode.c_str());
    return 2;
  }
  auto verifier = OrDie(xsd::LlamaVerifier::Create(model, sopts), "verifier");

  xsd::Rng rng(7);
  xsd::Request request;
  for (int i = 0; i < prompt; ++i) request.prompt_tokens.push_back(static_cast<int>(1 + rng.Below(config.vocab_size - 1)));
  auto random_chain = [&](int n) {
    std::vector<xsd::TokenId> t;
    for (int i = 0; i < n; ++i) t.push_back(static_cast<int>(rng.Below(config.vocab_size)));
    return xsd::Draft::Chain(t);
  };

  // Prefill (warm-up first: kernel selection, allocator growth).
  std::vector<double> prefill_ms;
  xsd::TokenId pending = 0;
  for (int r = 0; r < repeats + 1; ++r) {
    const xsd::TimePoint b = xsd::Now();
    auto out = OrDie(verifier->Prefill(request, {}), "prefill");
    if (r > 0) prefill_ms.push_back(xsd::MillisBetween(b, xsd::Now()));
    pending = out.argmax[0];
  }
  // Decode steps: one target forward per token.
  std::vector<double> decode_ms;
  for (int s = 0; s < decode; ++s) {
    const xsd::TimePoint b = xsd::Now();
    auto out = OrDie(verifier->Verify(pending, xsd::Draft(), {}), "decode");
    OrDie(verifier->Commit({}), "commit");
    if (s >= 3) decode_ms.push_back(xsd::MillisBetween(b, xsd::Now()));
    pending = out.argmax[0];
  }
  const double step = Median(decode_ms);
  // Verification of gamma draft tokens (rejected, so the cache stays put).
  std::vector<std::pair<int, double>> verify;
  for (int g : gammas) {
    std::vector<double> ms;
    for (int r = 0; r < repeats + 2; ++r) {
      const xsd::Draft d = random_chain(g);
      const xsd::TimePoint b = xsd::Now();
      auto out = OrDie(verifier->Verify(pending, d, {}), "verify");
      OrDie(verifier->Commit({}), "commit");
      pending = out.argmax[0];
      if (r >= 2) ms.push_back(xsd::MillisBetween(b, xsd::Now()));
    }
    verify.push_back({g, Median(ms)});
  }

  struct FreshPrefill {
    int length;
    double first_ms, again_ms;
  };
  std::vector<FreshPrefill> fresh_prefills;
  for (int i = 1; i <= fresh; ++i) {
    xsd::Request longer = request;
    for (int j = 0; j < 7 * i; ++j) longer.prompt_tokens.push_back(static_cast<int>(1 + rng.Below(config.vocab_size - 1)));
    FreshPrefill f{static_cast<int>(longer.prompt_tokens.size()), 0, 0};
    for (double* ms : {&f.first_ms, &f.again_ms}) {
      const xsd::TimePoint b = xsd::Now();
      OrDie(verifier->Prefill(longer, {}), "prefill at a new length");
      *ms = xsd::MillisBetween(b, xsd::Now());
    }
    fresh_prefills.push_back(f);
  }

  const xsd::LlamaStepCounts steps = verifier->step_counts();
  // The card every figure came from (H100 and H200 timings differ).
  std::string card = "cpu";
  for (const xsd::CudaDeviceInfo& d : xsd::QueryCudaDevices()) {
    if (d.device == args.at("device")) card = d.name + ", driver " + xsd::CudaDriverVersion();
  }
  std::printf("card: %s\n", card.c_str());
  const std::string kernel_options = xsd::KernelOptionsString(model->kernel_options());
  std::printf("xsd_llm_perf preset=%s vocab=%d device=%s dtype=%s prompt=%d step_mode=%s kernels: %s (load %.0f ms; "
              "graphs captured %d, replays %lld)\n",
              args.at("preset").c_str(), config.vocab_size, args.at("device").c_str(), dtype.c_str(), prompt,
              mode.c_str(), kernel_options.c_str(), load_ms,
              steps.graphs_captured, static_cast<long long>(steps.replays));
  std::printf("| measure | ms | x decode step |\n|---|---|---|\n");
  std::printf("| prefill %d tokens | %.2f | |\n", prompt, Median(prefill_ms));
  std::printf("| decode step (median of %zu) | %.3f | 1.00 |\n", decode_ms.size(), step);
  for (const auto& [g, ms] : verify) std::printf("| verify gamma=%d (%d rows) | %.3f | %.2f |\n", g, g + 1, ms, ms / step);
  for (const FreshPrefill& f : fresh_prefills) {
    std::printf("| prefill %d tokens, first call at this length / again | %.2f / %.2f | |\n", f.length, f.first_ms,
                f.again_ms);
  }
  if (!args.at("json").empty()) {
    std::ofstream js(args.at("json"));
    js << "{\"card\":\"" << card << "\",\"kernel_options\":\"" << kernel_options << "\",\"preset\":\"" << args.at("preset") << "\",\"vocab\":" << config.vocab_size << ",\"device\":\""
       << args.at("device") << "\",\"dtype\":\"" << dtype << "\",\"step_mode\":\"" << mode << "\",\"prompt\":" << prompt
       << ",\"prefill_ms\":"
       << Median(prefill_ms) << ",\"decode_ms\":" << step << ",\"verify_ms\":{";
    for (size_t i = 0; i < verify.size(); ++i) js << (i ? "," : "") << "\"" << verify[i].first << "\":" << verify[i].second;
    js << "},\"fresh_prefills\":[";
    for (size_t i = 0; i < fresh_prefills.size(); ++i) {
      js << (i ? "," : "") << "[" << fresh_prefills[i].length << "," << fresh_prefills[i].first_ms << ","
         << fresh_prefills[i].again_ms << "]";
    }
    js << "]}\n";
  }
  return 0;
}
