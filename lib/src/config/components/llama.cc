// The "llama" verifier and drafter of the registry (text-only LLaMA / Vicuna
// checkpoints or random presets). A verifier and a drafter that name the same
// checkpoint, device, dtype and kernel options share one immutable
// LlamaModel (weights are loaded once).
#include <map>
#include <mutex>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "components/checks.h"
#include "components/components.h"
#include "xsd/base/status.h"
#include "xsd/models/llama_drafter.h"
#include "xsd/models/llama_loading.h"
#include "xsd/models/llama_verifier.h"

namespace xsd::components {
namespace {

// Loaded models by (checkpoint, device, dtype, kernel options).
class ModelCache {
 public:
  using Key = std::tuple<std::string, std::string, int, std::string>;
  std::shared_ptr<const LlamaModel> Find(const Key& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = models_.find(key);
    return it == models_.end() ? nullptr : it->second.lock();
  }
  void Put(const Key& key, const std::shared_ptr<const LlamaModel>& model) {
    std::lock_guard<std::mutex> lock(mu_);
    models_[key] = model;
  }

 private:
  std::mutex mu_;
  std::map<Key, std::weak_ptr<const LlamaModel>> models_;
};

ModelCache& Models() {
  static ModelCache* cache = new ModelCache();  // never destroyed: used until exit
  return *cache;
}

absl::StatusOr<std::shared_ptr<const LlamaModel>> LoadModel(const config::LlamaOptions& options,
                                                            const std::string& device, const BuildContext& ctx,
                                                            const std::string& field) {
  XSD_ASSIGN_OR_RETURN(const c10::ScalarType dtype, ComponentDtype(options.dtype(), ctx, field));
  XSD_ASSIGN_OR_RETURN(const c10::Device dev, ParseDevice(device, field));
  if (options.max_seq_len() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".max_seq_len: must be >= 2, got ", options.max_seq_len()));
  }
  const std::string& path = options.checkpoint().path();
  const std::string& preset = options.checkpoint().random_preset();
  if (path.empty() == preset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".checkpoint: set exactly one of path and random_preset"));
  }
  LlamaModelOptions model_options;
  model_options.kernel_options = PipelineKernelOptions(ctx);
  const ModelCache::Key key{path.empty() ? absl::StrCat("random:", preset, ":", options.random_seed()) : path,
                            dev.str(), static_cast<int>(dtype), KernelOptionsString(model_options.kernel_options)};
  if (auto shared = Models().Find(key)) return shared;

  std::unique_ptr<LlamaModel> model;
  if (!path.empty()) {
    LlamaLoadOptions load;
    load.checkpoint = path;
    load.dtype = dtype;
    load.device = dev;
    load.model = model_options;
    XSD_ASSIGN_OR_RETURN(model, LoadLlamaCheckpoint(load));
  } else {
    XSD_ASSIGN_OR_RETURN(LlamaConfig config, LlamaPresetConfig(preset));
    WeightSourceOptions source;
    source.dtype = dtype;
    source.device = dev;
    XSD_ASSIGN_OR_RETURN(auto weights, RandomLlamaWeights(config, options.random_seed(), source));
    XSD_ASSIGN_OR_RETURN(model, LlamaModel::Load(config, weights.get(), model_options));
  }
  if (model->max_positions() < options.max_seq_len()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".max_seq_len: ", options.max_seq_len(),
                                                   " exceeds the model's max_position_embeddings ",
                                                   model->max_positions()));
  }
  std::shared_ptr<const LlamaModel> shared(std::move(model));
  Models().Put(key, shared);
  return shared;
}

// The model, tokenizer and sequence options a "llama" verifier or drafter is built from.
struct LlamaParts {
  std::shared_ptr<const LlamaModel> model;
  std::shared_ptr<const Tokenizer> tokenizer;  // null for random presets: requests carry prompt_tokens
  LlamaSequenceOptions sequence;
};

template <typename Config>
absl::StatusOr<LlamaParts> LoadParts(const Config& c, const BuildContext& ctx, const std::string& where) {
  LlamaParts parts;
  XSD_ASSIGN_OR_RETURN(parts.model, LoadModel(c.llama(), c.device(), ctx, where));
  XSD_ASSIGN_OR_RETURN(parts.tokenizer, LoadTokenizer(c.llama().checkpoint().path(), where, /*required=*/false));
  parts.sequence.max_seq_len = c.llama().max_seq_len();
  parts.sequence.name = c.name();
  parts.sequence.step_mode = LlamaStepModeFor(c.cuda_graphs());
  return parts;
}

absl::StatusOr<BuiltVerifier> CreateVerifier(const config::VerifierConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::VerifierConfig::kLlama, ctx.field, "llama"));
  const std::string where = absl::StrCat(ctx.field, ".llama");
  XSD_ASSIGN_OR_RETURN(LlamaParts parts, LoadParts(c, ctx, where));
  auto verifier = LlamaVerifier::Create(std::move(parts.model), parts.sequence, std::move(parts.tokenizer));
  if (!verifier.ok()) return Annotate(verifier.status(), where);
  BuiltVerifier built;
  built.verifier = std::move(verifier).value();
  return built;
}

absl::StatusOr<std::unique_ptr<Drafter>> CreateDrafter(const config::DrafterConfig& c, BuildContext& ctx) {
  XSD_RETURN_IF_ERROR(ExpectOptions(c, config::DrafterConfig::kLlama, ctx.field, "llama"));
  const std::string where = absl::StrCat(ctx.field, ".llama");
  XSD_ASSIGN_OR_RETURN(LlamaParts parts, LoadParts(c, ctx, where));
  auto drafter = LlamaDrafter::Create(std::move(parts.model), parts.sequence, std::move(parts.tokenizer));
  if (!drafter.ok()) return Annotate(drafter.status(), where);
  return std::unique_ptr<Drafter>(std::move(drafter).value());
}

}  // namespace

void RegisterLlamaComponents(Registry& r) {
  CheckRegistered(r.RegisterVerifier("llama", CreateVerifier));
  CheckRegistered(r.RegisterDrafter("llama", CreateDrafter));
}

}  // namespace xsd::components
