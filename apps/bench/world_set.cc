#include "world_set.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "dataset.h"

namespace xsd::bench {
namespace {

namespace fs = std::filesystem;

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool IsDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

absl::Status Missing(const fs::path& path, const std::string& what) {
  return absl::NotFoundError(absl::StrCat("--config_set=world: ", path.string(), ": missing (", what, ")"));
}

// The checkpoint directory of one model: config.json and its weights (one
// safetensors file or a sharded index).
absl::Status CheckCheckpoint(const std::string& dir, const std::string& what) {
  if (dir.empty()) return absl::OkStatus();  // a random preset
  if (!IsDir(dir)) return Missing(dir, what);
  if (!IsFile(fs::path(dir) / "config.json")) return Missing(fs::path(dir) / "config.json", what);
  if (!IsFile(fs::path(dir) / "model.safetensors") && !IsFile(fs::path(dir) / "model.safetensors.index.json")) {
    return Missing(fs::path(dir) / "model.safetensors", what);
  }
  return absl::OkStatus();
}

absl::Status CheckAdapter(const config::AdapterConfig& adapter, const std::string& what) {
  if (adapter.checkpoint().empty() || IsFile(adapter.checkpoint())) return absl::OkStatus();
  return Missing(adapter.checkpoint(), absl::StrCat(what, " adapter ", adapter.name()));
}

absl::Status CheckDrafter(const config::DrafterConfig& d, const std::string& what) {
  if (d.has_adapter()) {
    if (absl::Status s = CheckAdapter(d.adapter(), what); !s.ok()) return s;
  }
  if (d.has_eventgpt()) {
    if (absl::Status s = CheckCheckpoint(d.eventgpt().checkpoint().path(), what + " EventGPT checkpoint"); !s.ok()) return s;
  }
  if (d.has_eagle()) {
    if (absl::Status s = CheckCheckpoint(d.eagle().checkpoint().path(), what + " EAGLE checkpoint"); !s.ok()) return s;
  }
  if (d.has_hidden_head()) {
    if (d.hidden_head().has_adapter()) {
      if (absl::Status s = CheckAdapter(d.hidden_head().adapter(), what + " hidden head"); !s.ok()) return s;
    }
    if (d.hidden_head().has_stream()) return CheckDrafter(d.hidden_head().stream(), what + " stream");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResolveConfigSet(BenchOptions& o) {
  o.config_set = EffectiveConfigSet(o);
  if (o.config_set != "world") return absl::OkStatus();
  const fs::path world(o.world_dir);
  if (o.world_dir.empty() || !IsDir(world)) {
    return absl::InvalidArgumentError(absl::StrCat("--world_dir=", o.world_dir,
                                                   ": no such directory (--config_set=world reads models/, adapters/ "
                                                   "and heldout/ from it; run from the repository root or pass "
                                                   "--world_dir)"));
  }
  if (o.checkpoint_dir.empty()) {
    o.checkpoint_dir = (world / "models").string();
    if (!IsDir(o.checkpoint_dir)) return Missing(o.checkpoint_dir, "the world's models");
  }
  if (o.adapter_dir.empty()) {
    o.adapter_dir = (world / "adapters").string();
    if (!o.random_adapters && !IsDir(o.adapter_dir)) return Missing(o.adapter_dir, "the world's adapters");
  }
  if (o.dataset_dir.empty()) {
    o.dataset_dir = (world / "heldout").string();
    const fs::path index = fs::path(o.dataset_dir) / kDsecInstructionFile;
    if (!IsFile(index)) return Missing(index, "the world's held-out scenes");
  }
  if (o.questions_file.empty()) {
    o.questions_file = (world / "heldout" / "questions.json").string();
    if (!IsFile(o.questions_file)) return Missing(o.questions_file, "the world's questions");
  }
  if (!o.n_questions_given) o.n_questions = kWorldQuestions;
  return absl::OkStatus();
}

absl::Status CheckWorldFiles(const std::vector<BenchConfig>& configs) {
  for (const BenchConfig& c : configs) {
    const config::PipelineConfig& p = c.config;
    if (p.target().has_video_llava()) {
      if (absl::Status s = CheckCheckpoint(p.target().video_llava().checkpoint().path(), c.name + " target checkpoint");
          !s.ok()) {
        return s;
      }
    }
    if (p.has_drafter()) {
      if (absl::Status s = CheckDrafter(p.drafter(), c.name + " drafter"); !s.ok()) return s;
    }
    if (p.has_decode_drafter()) {
      if (absl::Status s = CheckDrafter(p.decode_drafter(), c.name + " decode drafter"); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace xsd::bench
