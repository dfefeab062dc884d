#include "target_checkpoint.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"

namespace xsd::train {

absl::StatusOr<at::Tensor> TargetLmHead(const std::string& checkpoint, const c10::Device& device) {
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointReader> reader, CheckpointReader::Open(checkpoint));
  XSD_ASSIGN_OR_RETURN(const LlamaConfig config, TargetLlamaConfig(checkpoint));
  std::vector<std::string> names = {"language_model.lm_head.weight", "lm_head.weight"};
  if (config.tie_word_embeddings) {
    names.push_back("language_model.model.embed_tokens.weight");
    names.push_back("model.embed_tokens.weight");
  }
  for (const std::string& name : names) {
    if (reader->Find(name) != nullptr) {
      XSD_ASSIGN_OR_RETURN(at::Tensor w, reader->Get(name));
      return w.to(device, at::kFloat);
    }
  }
  return absl::NotFoundError(absl::StrCat(checkpoint, ": no LM head (language_model.lm_head.weight, lm_head.weight",
                                          config.tie_word_embeddings ? ", or the tied embed_tokens.weight" : "", ")"));
}

absl::StatusOr<LlamaConfig> TargetLlamaConfig(const std::string& checkpoint) {
  return LoadLlamaConfig(checkpoint + "/config.json");
}

absl::StatusOr<c10::Device> ParseDevice(const std::string& text) {
  try {
    return c10::Device(text);
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("--device: '", text, "' is not a device (cpu, cuda, cuda:0)"));
  }
}

}  // namespace xsd::train
