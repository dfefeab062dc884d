// A drafter's own token ids may reach the target only when both tokenizers
// read every shared id the same way.
#include "xsd/tokenizer/tokenizer.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

const std::string kDir = std::string(XSD_TEST_DATA_DIR) + "/tokenizer/";

TEST_CASE("Tokenizers that agree on every shared id pass", "[tokenizer][vocabulary]") {
  auto target = Tokenizer::Load(kDir + "llama");
  TokenizerOptions with_event;
  with_event.extra_special_tokens = {kEventToken};
  auto drafter = Tokenizer::Load(kDir + "llama", with_event);  // one more id at the end
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  REQUIRE((*drafter)->vocab_size() == (*target)->vocab_size() + 1);
  CHECK(CheckSharedVocabulary(**drafter, **target).ok());
  CHECK(CheckSharedVocabulary(**target, **drafter).ok());
}

TEST_CASE("A different vocabulary is refused, naming the first id", "[tokenizer][vocabulary]") {
  auto target = Tokenizer::Load(kDir + "llama");
  auto drafter = Tokenizer::Load(kDir + "variant");
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  absl::Status s = CheckSharedVocabulary(**drafter, **target);
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("for the drafter but") != std::string::npos);
  CHECK(std::string(s.message()).find("token ") == 0);
}

}  // namespace
}  // namespace xsd
