// A drafter's own token ids may reach the target only when both tokenizers
// read every shared id the same way.
#include "xsd/tokenizer/tokenizer.h"
#include <algorithm>

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
  CHECK(CheckSharedVocabulary(**drafter, **target, (*drafter)->vocab_size()).ok());
  CHECK(CheckSharedVocabulary(**target, **drafter, (*target)->vocab_size()).ok());
}

TEST_CASE("A different vocabulary is refused, naming the first id", "[tokenizer][vocabulary]") {
  auto target = Tokenizer::Load(kDir + "llama");
  auto drafter = Tokenizer::Load(kDir + "variant");
  REQUIRE(target.ok());
  REQUIRE(drafter.ok());
  absl::Status s = CheckSharedVocabulary(**drafter, **target, (*drafter)->vocab_size());
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find("for the drafter but") != std::string::npos);
  CHECK(std::string(s.message()).find("token ") == 0);
}

TEST_CASE("Ids the drafter cannot emit are not compared", "[tokenizer][vocabulary]") {
  // The drafter's placeholder <event> takes the id the target gives <image>;
  // a drafter whose LM head stops before it can never emit it.
  TokenizerOptions with_event;
  with_event.extra_special_tokens = {kEventToken};
  auto target = Tokenizer::Load(kDir + "llama");
  auto plain = Tokenizer::Load(kDir + "variant");
  REQUIRE(target.ok());
  REQUIRE(plain.ok());
  // The variant model differs from the llama one somewhere: find the first id.
  int first_diff = -1;
  for (int id = 0; id < std::min((*plain)->vocab_size(), (*target)->vocab_size()); ++id) {
    if ((*plain)->IdToToken(id).value() != (*target)->IdToToken(id).value()) {
      first_diff = id;
      break;
    }
  }
  REQUIRE(first_diff > 0);
  CHECK(CheckSharedVocabulary(**plain, **target, first_diff).ok());            // emits only ids below it
  CHECK_FALSE(CheckSharedVocabulary(**plain, **target, first_diff + 1).ok());  // can emit it
}

}  // namespace
}  // namespace xsd
