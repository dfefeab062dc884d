// The BPE merge rules on the hand-made model of tests/data/tokenizer/ties
// (pieces and scores in tools/fixtures/make_tokenizer_fixtures.py), with the
// expected segmentations worked out by hand, and the cost of long inputs.
#include <chrono>

#include "tokenizer_fixture.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

std::vector<std::string> Pieces(const Tokenizer& tok, const std::string& text) {
  std::vector<std::string> out;
  const std::vector<TokenId> ids = tok.Encode(text, false).value();
  for (TokenId id : ids) out.push_back(tok.IdToToken(id).value());
  return out;
}

const std::string kSp = "\xE2\x96\x81";  // U+2581

TEST_CASE("BPE merges the best-scoring piece first, the leftmost on ties", "[tokenizer][bpe]") {
  auto tok = Tokenizer::Load(testing::TiesDir());
  REQUIRE(tok.ok());
  const Tokenizer& t = **tok;
  // ab, bc, cd all score -1: ab (leftmost) merges, then abc (-0.5); the
  // unused piece abcd (score 0) then forms and is split back into abc + d.
  CHECK(Pieces(t, "abcd") == std::vector<std::string>{kSp, "abc", "d"});
  // bc (leftmost of bc, cd) then bcd.
  CHECK(Pieces(t, "bcda") == std::vector<std::string>{kSp, "bcd", "a"});
  // ea (-1) is left of ab (-1): it wins, and ab is gone; then bc, then bcd.
  CHECK(Pieces(t, "eabcd") == std::vector<std::string>{kSp, "ea", "bcd"});
  // aa at the leftmost position; the third a stays alone.
  CHECK(Pieces(t, "aaa") == std::vector<std::string>{kSp, "aa", "a"});
  // ab (-1) beats ▁a (-3); then the two spaces merge.
  CHECK(Pieces(t, " ab") == std::vector<std::string>{kSp + kSp, "ab"});
  // A run of characters without pieces is one <unk> (no byte fallback here).
  CHECK(t.Encode("axyzb", false).value() ==
        std::vector<TokenId>{t.TokenToId(kSp + "a"), t.unk_id(), t.TokenToId("b")});
  CHECK(t.Decode(t.Encode("axyzb", false).value(), false).value() == "a<unk>b");
  CHECK(t.Decode(t.Encode("axyzb", false).value(), true).value() == "ab");
}

TEST_CASE("Malformed UTF-8 is encoded as U+FFFD per bad byte", "[tokenizer][bpe]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  CHECK(tok.Encode("ab\xFF\xFE" "c\xE4\xBD", false).value() ==
        tok.Encode("ab\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD", false).value());
  // Characters without pieces become their UTF-8 bytes.
  const std::vector<TokenId> snowman = tok.Encode("\xE2\x98\x83", false).value();  // U+2603
  REQUIRE(snowman.size() == 4);
  CHECK(snowman[0] == tok.TokenToId(kSp));
  CHECK(tok.TokenByte(snowman[1]) == 0xE2);
  CHECK(tok.TokenByte(snowman[2]) == 0x98);
  CHECK(tok.TokenByte(snowman[3]) == 0x83);
}

TEST_CASE("Encoding long inputs stays fast", "[tokenizer][bpe][performance]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  // One 200 000-character word (no spaces to split at) and 1 MB of prose:
  // quadratic merging would take minutes.
  const std::string word(200000, 'a');
  std::string prose;
  while (prose.size() < (1u << 20)) prose += "The car turns left at the intersection 2024-11-28. Straße 汽车 😀\n";
  const auto start = std::chrono::steady_clock::now();
  auto a = tok.Encode(word, true);
  auto b = tok.Encode(prose, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(tok.Decode(*a, true).value() == word);
  CHECK(tok.Decode(*b, true).value() == prose);
  INFO("encoding took " << seconds << " s");
  CHECK(seconds < 10.0);
}

}  // namespace
}  // namespace xsd
