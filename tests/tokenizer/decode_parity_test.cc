// Decode parity with the reference libraries: the decodes of every text case
// and of hand-made id lists (byte runs cut short or malformed, control
// tokens, random ids).
#include <cstdio>
#include <random>

#include "tokenizer_fixture.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Cases;
using testing::Ids;

void CheckDecodes(const Tokenizer& tok, const nlohmann::json& c, int* hf_compared, int* hf_flagged_differ) {
  const std::vector<TokenId> ids = Ids(c["ids"]);
  auto rendered = tok.Decode(ids, /*skip_special=*/false);
  auto skipped = tok.Decode(ids, /*skip_special=*/true);
  REQUIRE(rendered.ok());
  REQUIRE(skipped.ok());
  CHECK(*rendered == c["decode"].get<std::string>());
  CHECK(*skipped == c["decode_skip_special"].get<std::string>());
  if (!c.contains("hf")) return;
  const bool flagged = c.value("hf_decode_divergence", false);
  const bool same = *rendered == c["hf"]["decode"].get<std::string>() &&
                    *skipped == c["hf"]["decode_skip_special"].get<std::string>();
  if (flagged) {
    if (!same) ++*hf_flagged_differ;
    return;
  }
  CHECK(*rendered == c["hf"]["decode"].get<std::string>());
  CHECK(*skipped == c["hf"]["decode_skip_special"].get<std::string>());
  ++*hf_compared;
}

TEST_CASE("Decode matches the references on the ids of every text case", "[tokenizer][parity]") {
  int checked = 0, hf = 0, hf_differ = 0;
  for (const auto& c : Cases()["cases"]) {
    INFO("group " << c["group"] << " text " << c["text"].dump());
    CheckDecodes(testing::TokenizerForGroup(c["group"].get<std::string>()), c, &hf, &hf_differ);
    ++checked;
  }
  std::printf("[tokenizer] decode of text cases: %d vs sentencepiece, %d vs transformers\n", checked, hf);
  CHECK(checked >= 300);
  CHECK(hf_differ == 0);
}

// Flagged lists hold an invalid byte run (sentencepiece: U+FFFD per bad byte;
// transformers: U+FFFD for every byte of the run) or start with the byte
// piece of a space (transformers strips it, sentencepiece keeps it).
TEST_CASE("Decode matches the references on hand-made id lists", "[tokenizer][parity]") {
  int checked = 0, hf = 0, hf_differ = 0;
  for (const auto& c : Cases()["decode_cases"]) {
    INFO("ids " << c["ids"].dump());
    CheckDecodes(testing::LlamaTokenizer(), c, &hf, &hf_differ);
    ++checked;
  }
  std::printf("[tokenizer] decode of id lists: %d vs sentencepiece, %d vs transformers (%d flagged differ)\n",
              checked, hf, hf_differ);
  CHECK(checked >= 80);
}

TEST_CASE("Decode inverts Encode for text without added tokens", "[tokenizer]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  // Characters the model has pieces for, characters it only has bytes for,
  // and whitespace of every kind, in random order.
  const std::vector<std::string> alphabet = {"a", "b", "e", "t", "Z", " ", "  ", "\t", "\n", "\r\n", "1", "9",
                                             ".", "é", "汽", "车", "😀", "☃", "𝄞", "ß", "🇯🇵"};
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string text;
    const int n = static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
    INFO("text '" << text << "'");
    auto ids = tok.Encode(text, true);
    REQUIRE(ids.ok());
    auto back = tok.Decode(*ids, /*skip_special=*/true);
    REQUIRE(back.ok());
    CHECK(*back == text);
  }
}

}  // namespace
}  // namespace xsd
