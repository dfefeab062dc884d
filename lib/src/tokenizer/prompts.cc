#include "absl/strings/str_cat.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {

std::string VideoLlavaPrompt(const std::string& question) {
  return absl::StrCat("USER: ", kVideoToken, "\n", question, " ASSISTANT:");
}

std::string EventGptPrompt(const std::string& question) {
  // Vicuna v1 system prompt, as EventGPT's conversation template writes it.
  return absl::StrCat(
      "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
      "detailed, and polite answers to the human's questions. USER: ",
      kEventToken, "\n", question, " ASSISTANT:");
}

}  // namespace xsd
