#include "xsd/vision/random_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "checkpoint_plan.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/io/safetensors.h"
#include "xsd/models/weights_store.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;
using vision_internal::Init;
using vision_internal::PlannedTensor;

// FNV-1a: a tensor's generator seed must not depend on the platform's
// std::hash. "vision_model." is left out so that both layouts of one preset
// and seed hold the same values (tests compare them).
uint64_t NameHash(const std::string& name) {
  std::string canonical = name;
  const std::string nested = "vision_model.";
  const size_t at = canonical.find(nested);
  if (at != std::string::npos) canonical.erase(at, nested.size());
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

const char* DtypeName(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Half: return "float16";
    default: return "float32";
  }
}

at::Tensor Materialize(const PlannedTensor& t, uint64_t seed, double std, c10::ScalarType dtype,
                       const std::map<std::string, at::Tensor>& values) {
  at::Tensor value;
  if (auto given = values.find(t.name); given != values.end()) {
    value = given->second.detach().to(at::kCPU, at::kFloat);
  } else if (t.init == Init::kOnes) {
    value = at::ones(t.shape, at::kFloat);
  } else if (t.init == Init::kZeros) {
    value = at::zeros(t.shape, at::kFloat);
  } else {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ NameHash(t.name));
    value = at::empty(t.shape, at::kFloat).normal_(0.0, std, gen);
  }
  return value.to(dtype);
}

absl::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot write"));
  return absl::OkStatus();
}

// Copies the tokenizer files of `from`; for Video-LLaVA, registers <image>,
// <video>, <pad> in added_tokens.json when the tokenizer lacks them.
absl::Status CopyTokenizer(const fs::path& from, const fs::path& to, const vision_internal::CheckpointShape& shape,
                           bool tokenizer_has_video_tokens) {
  std::error_code ec;
  for (const char* name : {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                           "tokenizer.json"}) {
    if (!fs::exists(from / name, ec)) continue;
    fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing, ec);
    if (ec) return absl::InternalError(absl::StrCat((to / name).string(), ": cannot copy from ", from.string(), ": ", ec.message()));
  }
  if (shape.kind != "video_llava" || tokenizer_has_video_tokens) return absl::OkStatus();
  nlohmann::json added = nlohmann::json::object();
  if (fs::exists(to / "added_tokens.json", ec)) {
    std::ifstream in(to / "added_tokens.json");
    added = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!added.is_object()) return absl::InvalidArgumentError(absl::StrCat((from / "added_tokens.json").string(), ": not a JSON object"));
  }
  added["<image>"] = shape.image_token;
  added["<video>"] = shape.video_token;
  added["<pad>"] = shape.pad_token;
  return WriteText(to / "added_tokens.json", added.dump(2) + "\n");
}

}  // namespace

absl::StatusOr<int64_t> RandomCheckpointParameters(const std::string& preset) {
  XSD_ASSIGN_OR_RETURN(vision_internal::CheckpointShape shape,
                       vision_internal::PresetShape(preset, vision_internal::TokenizerFacts()));
  int64_t total = 0;
  for (const PlannedTensor& t : vision_internal::PlanTensors(shape, /*hub=*/true)) total += t.numel();
  return total;
}

namespace {

absl::StatusOr<vision_internal::TokenizerFacts> ReadTokenizerFacts(const std::string& tokenizer_dir) {
  vision_internal::TokenizerFacts facts;
  if (tokenizer_dir.empty()) return facts;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, Tokenizer::Load(tokenizer_dir));
  facts.vocab = tokenizer->vocab_size();
  facts.image = tokenizer->TokenToId("<image>");
  facts.video = tokenizer->TokenToId("<video>");
  facts.pad = tokenizer->TokenToId("<pad>");
  return facts;
}

}  // namespace

absl::StatusOr<std::vector<ParamSpec>> PresetParameters(const std::string& preset, const std::string& tokenizer_dir) {
  XSD_ASSIGN_OR_RETURN(const vision_internal::TokenizerFacts facts, ReadTokenizerFacts(tokenizer_dir));
  XSD_ASSIGN_OR_RETURN(const vision_internal::CheckpointShape shape, vision_internal::PresetShape(preset, facts));
  std::vector<ParamSpec> out;
  for (const PlannedTensor& t : vision_internal::PlanTensors(shape, /*hub=*/true)) {
    ParamSpec p;
    p.name = t.name;
    p.shape = t.shape;
    p.init = t.init == Init::kOnes ? ParamSpec::Init::kOnes
             : t.init == Init::kZeros ? ParamSpec::Init::kZeros
                                      : ParamSpec::Init::kNormal;
    out.push_back(std::move(p));
  }
  return out;
}

absl::Status WriteRandomCheckpoint(const RandomCheckpointOptions& o) {
  if (o.out_dir.empty()) return absl::InvalidArgumentError("random checkpoint: no output directory");
  if (o.layout != "hub" && o.layout != "transformers5") {
    return absl::InvalidArgumentError(absl::StrCat("random checkpoint: layout '", o.layout,
                                                   "' (expected hub or transformers5)"));
  }
  if (!(o.init_std > 0) || o.max_shard_bytes <= 0) {
    return absl::InvalidArgumentError("random checkpoint: init_std and max_shard_bytes must be positive");
  }
  XSD_ASSIGN_OR_RETURN(const vision_internal::TokenizerFacts facts, ReadTokenizerFacts(o.tokenizer_dir));
  XSD_ASSIGN_OR_RETURN(vision_internal::CheckpointShape shape, vision_internal::PresetShape(o.preset, facts));
  const bool hub = o.layout == "hub";
  const c10::ScalarType dtype = o.dtype.value_or(shape.tiny ? c10::ScalarType::Float : c10::ScalarType::BFloat16);
  const std::vector<PlannedTensor> plan = vision_internal::PlanTensors(shape, hub);
  const fs::path dir(o.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(o.out_dir, ": cannot create: ", ec.message()));
  // A previous checkpoint's shards or index must not mix with this one.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("model", 0) == 0 && (name.find(".safetensors") != std::string::npos)) fs::remove(entry.path(), ec);
  }

  // Shards: consecutive tensors up to max_shard_bytes (a bigger tensor gets its own).
  const int64_t element = static_cast<int64_t>(c10::elementSize(dtype));
  std::vector<std::vector<const PlannedTensor*>> shards(1);
  int64_t shard_bytes = 0, total_bytes = 0;
  for (const PlannedTensor& t : plan) {
    const int64_t bytes = t.numel() * element;
    if (!shards.back().empty() && shard_bytes + bytes > o.max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(&t);
    shard_bytes += bytes;
    total_bytes += bytes;
  }
  const int n = static_cast<int>(shards.size());
  nlohmann::json weight_map = nlohmann::json::object();
  for (int s = 0; s < n; ++s) {
    char name[64];
    std::snprintf(name, sizeof(name), "model-%05d-of-%05d.safetensors", s + 1, n);
    const std::string file = n == 1 ? "model.safetensors" : name;
    std::vector<std::pair<std::string, at::Tensor>> tensors;  // this shard only
    XSD_RETURN_IF_ERROR(TorchCall(absl::StrCat("random checkpoint: drawing ", file), [&]() -> absl::Status {
      for (const PlannedTensor* t : shards[s]) {
        const auto given = o.values.find(t->name);
        if (given != o.values.end() && given->second.sizes() != at::IntArrayRef(t->shape)) {
          return absl::InvalidArgumentError(absl::StrCat("checkpoint ", o.preset, ": tensor '", t->name, "' has shape ",
                                                         c10::str(given->second.sizes()), ", the preset's is ",
                                                         ShapeString(t->shape)));
        }
        tensors.emplace_back(t->name, Materialize(*t, o.seed, o.init_std, dtype, o.values));
        weight_map[t->name] = file;
      }
      return absl::OkStatus();
    }));
    XSD_RETURN_IF_ERROR(WriteSafetensors((dir / file).string(), tensors, {{"format", "pt"}}));
    XSD_LOG(INFO) << "random checkpoint " << o.preset << ": wrote " << (dir / file).string() << " (" << tensors.size()
                  << " tensors)";
  }
  if (n > 1) {
    nlohmann::json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
    XSD_RETURN_IF_ERROR(WriteText(dir / "model.safetensors.index.json", index.dump(2) + "\n"));
  }
  XSD_RETURN_IF_ERROR(WriteText(dir / "config.json", vision_internal::PlanConfig(shape, hub, DtypeName(dtype)).dump(2) + "\n"));
  if (!o.tokenizer_dir.empty()) {
    XSD_RETURN_IF_ERROR(CopyTokenizer(o.tokenizer_dir, dir, shape, facts.video != kNoToken));
  }
  return absl::OkStatus();
}

}  // namespace xsd
