// LoadLlamaCheckpoint (llama_loading.h).
#include "xsd/models/llama_loading.h"

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/models/weights_checkpoint.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<LlamaModel>> LoadLlamaCheckpoint(const LlamaLoadOptions& options) {
  XSD_ASSIGN_OR_RETURN(LlamaConfig config, LoadLlamaConfig(options.checkpoint));
  WeightSourceOptions source_options;
  source_options.dtype = options.dtype;
  source_options.device = options.device;
  source_options.aliases = options.aliases;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointWeightSource> weights,
                       CheckpointWeightSource::Open(options.checkpoint, source_options));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<LlamaModel> model, LlamaModel::Load(config, weights.get(), options.model));
  XSD_RETURN_IF_ERROR(CheckUnexpectedWeights(*weights, options.unexpected, absl::StrCat(options.checkpoint, ": LLaMA")));
  return model;
}

}  // namespace xsd
