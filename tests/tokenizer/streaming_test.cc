// StreamingDetokenizer: the pieces it returns add up to Decode of all ids, each
// piece is complete UTF-8, and text is held back only for an unfinished
// character.
#include <cstdio>

#include "tokenizer_fixture.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Cases;
using testing::Ids;

// Streams `ids` and checks the contract; returns the number of pushes.
int CheckStream(const Tokenizer& tok, const std::vector<TokenId>& ids, bool skip_special) {
  StreamingDetokenizer stream(&tok, skip_special);
  std::string total;
  for (TokenId id : ids) {
    auto piece = stream.Push(id);
    REQUIRE(piece.ok());
    CHECK(testing::IsValidUtf8(*piece));
    total += *piece;
  }
  auto rest = stream.Flush();
  REQUIRE(rest.ok());
  total += *rest;
  auto whole = tok.Decode(ids, skip_special);
  REQUIRE(whole.ok());
  CHECK(total == *whole);
  return static_cast<int>(ids.size());
}

TEST_CASE("Streaming detokenization equals Decode on every case", "[tokenizer][streaming]") {
  int streams = 0, pushes = 0;
  for (const auto& c : Cases()["cases"]) {
    INFO("text " << c["text"].dump());
    const Tokenizer& tok = testing::TokenizerForGroup(c["group"].get<std::string>());
    for (bool skip : {false, true}) {
      // With BOS, as generation sees it: the prompt's ids then the answer's.
      std::vector<TokenId> ids = {tok.bos_id()};
      const std::vector<TokenId> rest = Ids(c["ids"]);
      ids.insert(ids.end(), rest.begin(), rest.end());
      pushes += CheckStream(tok, rest, skip) + CheckStream(tok, ids, skip);
      streams += 2;
    }
  }
  for (const auto& c : Cases()["decode_cases"]) {
    INFO("ids " << c["ids"].dump());
    // Malformed byte runs are not valid UTF-8 until decoded: they come out as U+FFFD.
    for (bool skip : {false, true}) pushes += CheckStream(testing::LlamaTokenizer(), Ids(c["ids"]), skip);
    streams += 2;
  }
  std::printf("[tokenizer] streaming: %d streams, %d pushes, all equal to Decode\n", streams, pushes);
}

TEST_CASE("Streaming holds back exactly the bytes of an unfinished character", "[tokenizer][streaming]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  auto byte_id = [&](unsigned char b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    return tok.TokenToId(name);
  };
  StreamingDetokenizer stream(&tok, true);
  CHECK(stream.Push(tok.TokenToId("\xE2\x96\x81" "the")).value() == "the");
  // U+1F600 is four bytes: nothing until the fourth.
  CHECK(stream.Push(byte_id(0xF0)).value().empty());
  CHECK(stream.Push(byte_id(0x9F)).value().empty());
  CHECK(stream.Push(byte_id(0x98)).value().empty());
  CHECK(stream.Push(byte_id(0x80)).value() == "\xF0\x9F\x98\x80");
  // A lead byte then a byte that cannot continue it: both resolve at once.
  CHECK(stream.Push(byte_id(0xE4)).value().empty());
  CHECK(stream.Push(byte_id(0x41)).value() == "\xEF\xBF\xBD" "A");
  // An unfinished character at the end comes out of Flush as U+FFFD.
  CHECK(stream.Push(byte_id(0xC3)).value().empty());
  CHECK(stream.Flush().value() == "\xEF\xBF\xBD");
}

TEST_CASE("Streaming keeps the dummy-prefix rule across long outputs", "[tokenizer][streaming]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  // A long answer after a prompt: the window restarts at ordinary pieces,
  // and the text must still equal one Decode.
  std::string text;
  for (int i = 0; i < 200; ++i) text += (i % 7 == 0 ? "  Straße 😀 " : " the car turns left") + std::to_string(i);
  auto ids = tok.Encode(VideoLlavaPrompt("Why?") + text, true);
  REQUIRE(ids.ok());
  CheckStream(tok, *ids, true);
  CheckStream(tok, *ids, false);
  // Out-of-range ids are errors, and the stream stays usable.
  StreamingDetokenizer stream(&tok);
  CHECK(stream.Push(tok.TokenToId("\xE2\x96\x81" "car")).value() == "car");
  CHECK_FALSE(stream.Push(tok.vocab_size()).ok());
  CHECK(stream.Push(tok.TokenToId("\xE2\x96\x81" "car")).value() == " car");
}

}  // namespace
}  // namespace xsd
