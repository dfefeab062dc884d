#include "xsd/models/llama_prompt.h"

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {
namespace {

class TextPromptEncoder final : public LlamaPromptEncoder {
 public:
  TextPromptEncoder(std::shared_ptr<const Tokenizer> tokenizer, std::string who)
      : tokenizer_(std::move(tokenizer)), who_(std::move(who)) {}

  absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel&) override {
    LlamaPrompt prompt;
    if (!request.prompt_tokens.empty()) {
      prompt.tokens = request.prompt_tokens;
      return prompt;
    }
    if (tokenizer_ == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(who_, ": request '", request.id,
                                                     "' has no prompt_tokens and no tokenizer is loaded"));
    }
    if (request.question.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(who_, ": request '", request.id,
                                                     "' has neither prompt_tokens nor a question"));
    }
    XSD_ASSIGN_OR_RETURN(prompt.tokens, tokenizer_->Encode(request.question, /*add_bos=*/true));
    return prompt;
  }

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;  // may be null
  std::string who_;
};

}  // namespace

std::unique_ptr<LlamaPromptEncoder> MakeTextPromptEncoder(std::shared_ptr<const Tokenizer> tokenizer,
                                                          std::string who) {
  return std::make_unique<TextPromptEncoder>(std::move(tokenizer), std::move(who));
}

}  // namespace xsd
