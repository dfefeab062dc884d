// LlamaPromptEncoder: turns a Request into what the LLM prefills, so the
// LLaMA verifier and drafter serve text prompts and multimodal ones alike.
// A multimodal model (Video-LLaVA, EventGPT) supplies an encoder that runs
// its media and vision tower and splices the visual embeddings into the text
// embeddings; everything after the prefill (Verify, Commit, drafting,
// rollback) is the LLaMA verifier's and drafter's own, written once.
//
// Ownership: the verifier or drafter owns its encoder; Encode runs on the
// caller's thread of Prefill / Begin. The model is borrowed for the call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"

namespace xsd {

class LlamaModel;
class Tokenizer;

struct LlamaPrompt {
  std::vector<TokenId> tokens;  // a text prompt, embedded by the model; or empty when
  at::Tensor embeds;            // [rows, hidden] in the model's dtype and device is given
  double media_ms = 0;          // decoding and preprocessing media (PrefillBreakdown)
  double vision_ms = 0;         // vision tower + projector

  int rows() const { return embeds.defined() ? static_cast<int>(embeds.size(0)) : static_cast<int>(tokens.size()); }
};

class LlamaPromptEncoder {
 public:
  virtual ~LlamaPromptEncoder() = default;
  virtual absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel& model) = 0;
};

// Text prompts: Request::prompt_tokens verbatim, else the question encoded
// with BOS by `tokenizer` (may be null: then prompt_tokens are required).
// `who` prefixes errors ("llama verifier").
std::unique_ptr<LlamaPromptEncoder> MakeTextPromptEncoder(std::shared_ptr<const Tokenizer> tokenizer,
                                                          std::string who);

}  // namespace xsd
