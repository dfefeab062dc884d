// Basic vocabulary types shared by every libxsd component.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace at {
class Tensor;  // libtorch; only pointers and references cross torch-free headers
}

namespace xsd {

class Tokenizer;  // xsd/tokenizer/tokenizer.h

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

// Static facts about a language model, valid once the model is created.
struct ModelInfo {
  std::string name;        // registry name, e.g. "scripted", "video_llava"
  std::string device;      // "cpu", "cuda:0", ...
  int vocab_size = 0;      // rows of the LM head (Video-LLaVA: 32064, padded)
  TokenId eos_token = kNoToken;
  int max_seq_len = 0;     // KV-cache capacity in positions
  int hidden_size = 0;     // width of the post-final-norm hidden states (0: none exposed)
  // Verifiers: the most rows (the pending token and its drafts) one Verify
  // computes with its exact numerics (a LLaMA target under row-invariant
  // numerics: 64); schedulers verify no more, cutting longer drafts as they
  // do where the cache has no room. 0: no limit.
  int max_verify_rows = 0;
};

// One generation request. Each model builds its own prompt from it (its own
// template and its own media), so a cross-modal drafter and the target see the
// same question about the same scene through different inputs.
struct Request {
  std::string id;                        // free-form, for reports
  std::string question;                  // user text, templated per model
  // Named media inputs, each a list of file paths; each model reads the
  // one it takes (Video-LLaVA "video": one MP4; EventGPT "event_images":
  // xsd/vision/multimodal_inputs.h names them) and ignores the others.
  std::map<std::string, std::vector<std::string>> media;
  // Text-only or mock models: the prompt as token ids, used verbatim when set.
  std::vector<TokenId> prompt_tokens;
  int max_new_tokens = 0;                // 0: the pipeline's default
  uint64_t seed = 0;                     // per-request sampling seed (stochastic acceptance)
};

}  // namespace xsd
