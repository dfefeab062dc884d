#include "config_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "embedded_files.h"
#include "world_set.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "xsd/config/kernel_config.h"
#include "xsd/config/pipeline.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<BenchConfig> ParseOne(const std::string& text, const std::string& source, const std::string& stem) {
  BenchConfig c;
  c.source = source;
  c.text = text;
  XSD_ASSIGN_OR_RETURN(c.config, ParsePipelineConfig(text, source));
  c.name = c.config.name().empty() ? stem : c.config.name();
  c.config.set_name(c.name);
  return c;
}

absl::StatusOr<BenchConfig> ReadOne(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open pipeline config"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseOne(buffer.str(), path, fs::path(path).stem().string());
}

std::vector<std::string> PbtxtFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".pbtxt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Resolve(const std::string& dir, const std::string& path) {
  if (dir.empty() || path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).string();
}

void ResolveAdapter(const BenchOptions& o, config::AdapterConfig* adapter) {
  if (o.random_adapters) {
    adapter->clear_checkpoint();  // empty: random init (proto: "benchmarks only")
  } else if (adapter->has_checkpoint()) {
    adapter->set_checkpoint(Resolve(o.adapter_dir, adapter->checkpoint()));
  }
}

void OverrideDrafter(const BenchOptions& o, const std::string& old_target_device, config::DrafterConfig* d) {
  // Drafters that shared the target's device (decode heads read its hidden
  // states) follow it to --target_device.
  if (!o.target_device.empty() && d->device() == old_target_device) d->set_device(o.target_device);
  if (d->has_adapter()) ResolveAdapter(o, d->mutable_adapter());
  if (d->has_eventgpt() && d->eventgpt().checkpoint().has_path()) {
    auto* ck = d->mutable_eventgpt()->mutable_checkpoint();
    ck->set_path(Resolve(o.checkpoint_dir, ck->path()));
  }
  if (d->has_eagle() && d->eagle().checkpoint().has_path()) {
    auto* ck = d->mutable_eagle()->mutable_checkpoint();
    ck->set_path(Resolve(o.checkpoint_dir, ck->path()));
  }
  if (d->has_hidden_head() && d->hidden_head().has_adapter()) ResolveAdapter(o, d->mutable_hidden_head()->mutable_adapter());
  // A fused head's own stream drafter (decode-only L5F) resolves like a drafter;
  // it keeps its own device unless --drafter_device moves it.
  if (d->has_hidden_head() && d->hidden_head().has_stream()) {
    config::DrafterConfig* stream = d->mutable_hidden_head()->mutable_stream();
    OverrideDrafter(o, old_target_device, stream);
    if (!o.drafter_device.empty()) stream->set_device(o.drafter_device);
  }
}

absl::Status CheckName(const std::string& name, const std::vector<std::string>& known, const std::string& field,
                       const std::string& kind) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(field, ".name: unknown ", kind, " '", name, "' (not built into this binary); known ",
                                          kind, "s: ", absl::StrJoin(known, ", ")));
}

// The seed document's order; configs it does not name follow, by name.
int SeedRank(const std::string& name) {
  static const char* kOrder[] = {"vl_baseline", "L1+VL",  "L2+VL",  "L3+VL",  "L4+VL",  "L5_decode",
                                 "B1_decode",   "L5F_decode", "L1+L5F", "L2+L5F", "L3+L5F", "L4+L5F"};
  for (int i = 0; i < static_cast<int>(sizeof(kOrder) / sizeof(kOrder[0])); ++i) {
    if (name == kOrder[i]) return i;
  }
  return 1000;
}

}  // namespace

absl::StatusOr<std::vector<BenchConfig>> LoadConfigSource(const BenchOptions& o) {
  std::vector<BenchConfig> all;
  if (!o.config_files.empty()) {
    for (const std::string& f : o.config_files) {
      XSD_ASSIGN_OR_RETURN(BenchConfig c, ReadOne(f));
      all.push_back(std::move(c));
    }
    // The baseline beside the first file joins the run when it was not named.
    const bool has_baseline = std::any_of(all.begin(), all.end(), [&](const BenchConfig& c) { return c.name == o.baseline; });
    const fs::path beside = fs::path(o.config_files.front()).parent_path() / (o.baseline + ".pbtxt");
    std::error_code ec;
    if (!has_baseline && fs::is_regular_file(beside, ec)) {
      XSD_ASSIGN_OR_RETURN(BenchConfig c, ReadOne(beside.string()));
      all.insert(all.begin(), std::move(c));
    }
  } else if (!o.config_dir.empty()) {
    for (const std::string& f : PbtxtFilesIn(o.config_dir)) {
      XSD_ASSIGN_OR_RETURN(BenchConfig c, ReadOne(f));
      all.push_back(std::move(c));
    }
    if (all.empty()) return absl::InvalidArgumentError(absl::StrCat("--config_dir=", o.config_dir, ": no .pbtxt files"));
  } else {
    const std::string set = EffectiveConfigSet(o);
    for (const EmbeddedFile& f : EmbeddedGroup(set)) {
      const std::string stem = fs::path(f.name).stem().string();
      const std::string dir = set == "mock" ? "configs/mock/" : set == "world" ? "configs/world/" : "configs/";
      const std::string source = absl::StrCat(dir, f.name, " (embedded)");
      XSD_ASSIGN_OR_RETURN(BenchConfig c, ParseOne(f.contents, source, stem));
      all.push_back(std::move(c));
    }
    if (all.empty()) return absl::InternalError(absl::StrCat("no embedded '", set, "' configs in this binary"));
  }
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (all[i].name == all[j].name) {
        return absl::InvalidArgumentError(absl::StrCat(all[i].source, ": config name '", all[i].name, "' is also used by ",
                                                       all[j].source));
      }
    }
  }
  return all;
}

absl::StatusOr<std::vector<BenchConfig>> SelectConfigs(std::vector<BenchConfig> all, const BenchOptions& o) {
  std::vector<std::string> known;
  for (const BenchConfig& c : all) known.push_back(c.name);
  std::vector<std::string> wanted = o.configs;
  if (!o.config_files.empty()) {
    wanted = known;  // --config files are the selection, in their order
  } else if (wanted.empty()) {
    wanted = known;
    std::stable_sort(wanted.begin(), wanted.end(), [](const std::string& a, const std::string& b) {
      const int ra = SeedRank(a), rb = SeedRank(b);
      return ra != rb ? ra < rb : a < b;
    });
  }
  for (const std::string& name : wanted) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--configs=", absl::StrJoin(o.configs, ","), ": unknown config '", name,
                                                     "'; known: ", absl::StrJoin(known, ", ")));
    }
  }
  std::vector<BenchConfig> selected;
  auto take = [&](const std::string& name) {
    for (BenchConfig& c : all) {
      if (c.name == name && std::none_of(selected.begin(), selected.end(), [&](const BenchConfig& s) { return s.name == name; })) {
        selected.push_back(c);
      }
    }
  };
  if (std::find(known.begin(), known.end(), o.baseline) != known.end()) take(o.baseline);
  for (const std::string& name : wanted) take(name);
  return selected;
}

void ApplyOverrides(const BenchOptions& o, BenchConfig& c) {
  config::PipelineConfig& p = c.config;
  p.set_max_new_tokens(o.max_new_tokens);
  p.mutable_scheduler()->set_record_margins(true);  // reproducibility report: margins at divergences
  if (o.seed.has_value()) p.set_seed(*o.seed);
  if (!o.dtype.empty()) {
    p.set_dtype(o.dtype == "bfloat16" ? config::BFLOAT16 : o.dtype == "float16" ? config::FLOAT16 : config::FLOAT32);
  }
  if (o.gamma.has_value() && p.scheduler().name() != "autoregressive") p.mutable_scheduler()->set_gamma(*o.gamma);
  if (!o.numerics.empty() || !o.kernel_options.empty()) {  // both checked when the flags were parsed
    KernelOptions kernels = KernelOptionsFromConfig(p);
    if (!o.numerics.empty()) kernels.numerics = *ParseNumerics(o.numerics);
    kernels = *ParseKernelOptions(o.kernel_options, kernels);
    SetKernelConfig(kernels, &p);
  }
  const std::string old_target_device = p.target().device();
  if (!o.target_device.empty()) p.mutable_target()->set_device(o.target_device);
  if (p.target().has_video_llava() && p.target().video_llava().checkpoint().has_path()) {
    auto* ck = p.mutable_target()->mutable_video_llava()->mutable_checkpoint();
    ck->set_path(Resolve(o.checkpoint_dir, ck->path()));
  }
  if (p.has_drafter()) OverrideDrafter(o, old_target_device, p.mutable_drafter());
  if (p.has_decode_drafter()) OverrideDrafter(o, old_target_device, p.mutable_decode_drafter());
  // --drafter_device moves the cross-modal drafter lane of prefill hiding.
  if (!o.drafter_device.empty() && p.has_drafter() && p.scheduler().name() == "prefill_hiding") {
    p.mutable_drafter()->set_device(o.drafter_device);
  }
}

absl::Status PreflightConfig(const BenchConfig& c, const Registry& registry) {
  const config::PipelineConfig& p = c.config;
  absl::Status s;
  if (p.has_target() && !p.target().name().empty()) s.Update(CheckName(p.target().name(), registry.VerifierNames(), "target", "verifier"));
  if (s.ok() && p.has_drafter() && !p.drafter().name().empty()) {
    s.Update(CheckName(p.drafter().name(), registry.DrafterNames(), "drafter", "drafter"));
  }
  if (s.ok() && p.has_decode_drafter() && !p.decode_drafter().name().empty()) {
    s.Update(CheckName(p.decode_drafter().name(), registry.DrafterNames(), "decode_drafter", "drafter"));
  }
  for (const auto* d : {p.has_drafter() ? &p.drafter() : nullptr, p.has_decode_drafter() ? &p.decode_drafter() : nullptr}) {
    if (!s.ok() || d == nullptr) continue;
    const std::string field = d == &p.drafter() ? "drafter" : "decode_drafter";
    if (d->has_adapter() && !d->adapter().name().empty()) {
      s.Update(CheckName(d->adapter().name(), registry.AdapterNames(), field + ".adapter", "adapter"));
    }
    if (s.ok() && d->has_hidden_head() && !d->hidden_head().adapter().name().empty()) {
      s.Update(CheckName(d->hidden_head().adapter().name(), registry.AdapterNames(), field + ".hidden_head.adapter", "adapter"));
    }
  }
  if (s.ok() && !p.scheduler().name().empty()) s.Update(CheckName(p.scheduler().name(), registry.SchedulerNames(), "scheduler", "scheduler"));
  if (s.ok()) s.Update(ValidatePipelineConfig(p));
  return Annotate(s, c.source);
}

absl::StatusOr<std::vector<BenchConfig>> ResolveConfigs(const BenchOptions& options) {
  XSD_ASSIGN_OR_RETURN(std::vector<BenchConfig> all, LoadConfigSource(options));
  XSD_ASSIGN_OR_RETURN(std::vector<BenchConfig> selected, SelectConfigs(std::move(all), options));
  for (BenchConfig& c : selected) {
    ApplyOverrides(options, c);
    XSD_RETURN_IF_ERROR(PreflightConfig(c));
  }
  if (EffectiveConfigSet(options) == "world") XSD_RETURN_IF_ERROR(CheckWorldFiles(selected));
  if (std::none_of(selected.begin(), selected.end(), [&](const BenchConfig& c) { return c.name == options.baseline; })) {
    XSD_LOG(WARNING) << "no baseline config '" << options.baseline << "' in this run: speedups will not be reported";
  }
  return selected;
}

bool UsesOnlyMockModels(const config::PipelineConfig& p) {
  auto mock = [](const std::string& name) { return name == "scripted" || name == "noisy_oracle"; };
  if (!mock(p.target().name())) return false;
  if (p.has_drafter() && !mock(p.drafter().name())) return false;
  if (p.has_decode_drafter() && !mock(p.decode_drafter().name())) return false;
  return true;
}

}  // namespace xsd::bench
