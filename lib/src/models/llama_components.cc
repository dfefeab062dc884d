#include "xsd/models/llama_components.h"

#include <fstream>
#include <map>
#include <mutex>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/base/torch_status.h"
#include "xsd/models/llama_loading.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {
namespace {

absl::StatusOr<c10::ScalarType> ScalarTypeOf(config::DType dtype, const std::string& field) {
  switch (dtype) {
    case config::FLOAT32: return c10::ScalarType::Float;
    case config::BFLOAT16: return c10::ScalarType::BFloat16;
    case config::FLOAT16: return c10::ScalarType::Half;
    default: break;
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ".dtype: unsupported value ", static_cast<int>(dtype)));
}

// Loaded models by (checkpoint, device, dtype): a verifier and
// a drafter of the same checkpoint share one copy of the weights.
class ModelCache {
 public:
  using Key = std::tuple<std::string, std::string, int>;
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

// The checkpoint's tokenizer when it has one (tokenizer.model): requests may
// then carry a question instead of prompt_tokens. Random presets have none.
absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const config::LlamaOptions& options,
                                                               const std::string& field) {
  const std::string& path = options.checkpoint().path();
  if (path.empty() || !std::ifstream(path + "/tokenizer.model").good()) return nullptr;
  auto tokenizer = Tokenizer::Load(path);
  if (!tokenizer.ok()) return Annotate(tokenizer.status(), absl::StrCat(field, ".checkpoint.path"));
  return std::shared_ptr<const Tokenizer>(std::move(tokenizer).value());
}

}  // namespace

absl::StatusOr<std::shared_ptr<const LlamaModel>> LoadLlamaModel(const config::LlamaOptions& options,
                                                                 const std::string& device,
                                                                 config::DType pipeline_dtype,
                                                                 const std::string& field) {
  XSD_ASSIGN_OR_RETURN(c10::ScalarType dtype,
                       ScalarTypeOf(options.dtype() == config::DTYPE_UNSPECIFIED ? pipeline_dtype : options.dtype(),
                                    field));
  XSD_ASSIGN_OR_RETURN(c10::Device dev, TorchCall(absl::StrCat(field, ": device '", device, "'"),
                                                  [&]() -> absl::StatusOr<c10::Device> { return c10::Device(device); }));
  if (options.max_seq_len() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".max_seq_len: must be >= 2, got ", options.max_seq_len()));
  }
  const std::string& path = options.checkpoint().path();
  const std::string& preset = options.checkpoint().random_preset();
  if (path.empty() == preset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".checkpoint: set exactly one of path and random_preset"));
  }
  const ModelCache::Key key{path.empty() ? absl::StrCat("random:", preset, ":", options.random_seed()) : path,
                            dev.str(), static_cast<int>(dtype)};
  if (auto shared = Models().Find(key)) return shared;

  LlamaModelOptions model_options;
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

namespace {

// The model, tokenizer and sequence options a "llama" verifier or drafter is built from.
struct LlamaParts {
  std::shared_ptr<const LlamaModel> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  LlamaSequenceOptions sequence;
};

absl::StatusOr<LlamaParts> LoadLlamaParts(const config::LlamaOptions& options, const std::string& device,
                                          const std::string& name, bool cuda_graphs, config::DType pipeline_dtype,
                                          const std::string& where) {
  LlamaParts parts;
  XSD_ASSIGN_OR_RETURN(parts.model, LoadLlamaModel(options, device, pipeline_dtype, where));
  XSD_ASSIGN_OR_RETURN(parts.tokenizer, LoadTokenizer(options, where));
  parts.sequence.max_seq_len = options.max_seq_len();
  parts.sequence.name = name;
  parts.sequence.step_mode = LlamaStepModeFor(cuda_graphs);
  return parts;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LlamaVerifier>> MakeLlamaVerifier(const config::VerifierConfig& config,
                                                                  config::DType pipeline_dtype,
                                                                  const std::string& field) {
  const std::string where = absl::StrCat(field, ".llama");
  XSD_ASSIGN_OR_RETURN(LlamaParts parts, LoadLlamaParts(config.llama(), config.device(), config.name(), config.cuda_graphs(), pipeline_dtype, where));
  auto verifier = LlamaVerifier::Create(std::move(parts.model), parts.sequence, std::move(parts.tokenizer));
  if (!verifier.ok()) return Annotate(verifier.status(), where);
  return verifier;
}

absl::StatusOr<std::unique_ptr<LlamaDrafter>> MakeLlamaDrafter(const config::DrafterConfig& config,
                                                                config::DType pipeline_dtype,
                                                                const std::string& field) {
  const std::string where = absl::StrCat(field, ".llama");
  XSD_ASSIGN_OR_RETURN(LlamaParts parts, LoadLlamaParts(config.llama(), config.device(), config.name(), config.cuda_graphs(), pipeline_dtype, where));
  auto drafter = LlamaDrafter::Create(std::move(parts.model), parts.sequence, std::move(parts.tokenizer));
  if (!drafter.ok()) return Annotate(drafter.status(), where);
  return drafter;
}

}  // namespace xsd
