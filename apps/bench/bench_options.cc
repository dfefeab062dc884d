#include "bench_options.h"

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

absl::Status Bad(const std::string& flag, const std::string& value, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", value, ": ", why));
}

absl::Status CheckDir(const std::string& flag, const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return Bad(flag, path, "no such directory");
  return absl::OkStatus();
}

absl::Status CheckDevice(const std::string& flag, const std::string& device) {
  if (device.empty() || device == "cpu" || device == "cuda" || device.rfind("cuda:", 0) == 0) return absl::OkStatus();
  return Bad(flag, device, "expected cpu, cuda or cuda:N");
}

}  // namespace

absl::Status ValidateBenchOptions(const BenchOptions& o) {
  if (o.max_samples != kAll && o.max_samples < 1) {
    return Bad("max_samples", std::to_string(o.max_samples), "must be >= 1 (or \"all\")");
  }
  if (o.n_questions < 1) return Bad("n_questions", std::to_string(o.n_questions), "must be >= 1");
  if (o.builtin_scenes < 1) return Bad("builtin_scenes", std::to_string(o.builtin_scenes), "must be >= 1");
  if (o.warmup < 0) return Bad("warmup", std::to_string(o.warmup), "must be >= 0");
  if (o.max_new_tokens < 1) return Bad("max_new_tokens", std::to_string(o.max_new_tokens), "must be >= 1");
  if (o.gamma.has_value() && *o.gamma < 0) return Bad("gamma", std::to_string(*o.gamma), "must be >= 0");
  if (o.event_image_key != "event_image" && o.event_image_key != "event_image_1f") {
    return Bad("event_image_key", o.event_image_key, "must be event_image or event_image_1f");
  }
  if (o.config_set != "auto" && o.config_set != "mock" && o.config_set != "models" && o.config_set != "world") {
    return Bad("config_set", o.config_set, "must be auto, mock, models or world");
  }
  if (o.threads < 1) return Bad("threads", std::to_string(o.threads), "must be >= 1");
  if (o.baseline.empty()) return Bad("baseline", "", "must name a config");
  if (o.output_dir.empty()) return Bad("output_dir", "", "must not be empty");
  if (absl::Status s = CheckDir("dataset_dir", o.dataset_dir); !s.ok()) return s;
  if (absl::Status s = CheckDir("config_dir", o.config_dir); !s.ok()) return s;
  if (absl::Status s = CheckDir("adapter_dir", o.adapter_dir); !s.ok()) return s;
  if (absl::Status s = CheckDir("checkpoint_dir", o.checkpoint_dir); !s.ok()) return s;
  if (!o.questions_file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(o.questions_file, ec)) return Bad("questions_file", o.questions_file, "no such file");
  }
  for (const std::string& f : o.config_files) {
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) return Bad("config", f, "no such file");
  }
  if (!o.dtype.empty() && o.dtype != "float32" && o.dtype != "bfloat16" && o.dtype != "float16") {
    return Bad("dtype", o.dtype, "must be float32, bfloat16 or float16");
  }
  if (absl::Status s = CheckDevice("target_device", o.target_device); !s.ok()) return s;
  if (absl::Status s = CheckDevice("drafter_device", o.drafter_device); !s.ok()) return s;
  return absl::OkStatus();
}

std::string EffectiveConfigSet(const BenchOptions& o) {
  if (o.config_set != "auto") return o.config_set;
  if (!o.dataset_dir.empty()) return "models";
  std::error_code ec;
  const bool world = o.config_files.empty() && o.config_dir.empty() && !o.world_dir.empty() &&
                     fs::is_directory(fs::path(o.world_dir) / "models", ec);
  return world ? "world" : "mock";
}

}  // namespace xsd::bench
