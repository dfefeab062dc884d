// Fuzzes tokenizer.model (a SentencePiece ModelProto) through Tokenizer::Load
// on a directory holding only the fuzzed file; a model that loads must
// encode and decode a fixed text and decode its first ids without breaking
// its contracts (ids in range, Decode accepts what Encode returned).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "xsd/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xsd::fuzz::Expect;
  const std::string& dir = xsd::fuzz::Scratch().path();
  const std::string path = dir + "/tokenizer.model";
  xsd::fuzz::WriteFile(path, data, size);
  auto tokenizer = xsd::Tokenizer::Load(dir);
  xsd::fuzz::ExpectNamesFile(tokenizer.status(), path);
  if (!tokenizer.ok()) return 0;
  const xsd::Tokenizer& tok = **tokenizer;

  const std::string text = "Hello w\xc3\xb6rld <video>  12 \xff\xfe tabs\there \xe2\x96\x81x";
  for (bool add_bos : {false, true}) {
    auto ids = tok.Encode(text, add_bos);
    if (!ids.ok()) {
      Expect(add_bos && tok.bos_id() == xsd::kNoToken, "Encode fails only for a missing <s>", ids.status());
      continue;
    }
    for (xsd::TokenId id : *ids) Expect(id >= 0 && id < tok.vocab_size(), "encoded ids are in range");
    auto decoded = tok.Decode(*ids);
    Expect(decoded.ok(), "Decode accepts Encode's ids", decoded.status());
    xsd::StreamingDetokenizer stream(&tok);
    for (xsd::TokenId id : *ids) Expect(stream.Push(id).ok(), "the streaming detokenizer accepts Encode's ids");
    Expect(stream.Flush().ok(), "Flush succeeds");
  }
  std::vector<xsd::TokenId> first;
  for (xsd::TokenId id = 0; id < std::min(tok.vocab_size(), 300); ++id) {
    if (tok.IdToToken(id).ok()) first.push_back(id);
    tok.IsSpecial(id);
    tok.TokenByte(id);
  }
  Expect(tok.Decode(first).ok(), "Decode accepts every id IdToToken knows");
  Expect(tok.Decode(first, /*skip_special=*/true).ok(), "Decode(skip_special) accepts every id IdToToken knows");
  return 0;
}
