// Added and special tokens: ids of the Video-LLaVA layout, EventGPT's <event>
// placeholder, where text around them goes, the files they come from, BOS.
#include "tokenizer_fixture.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::Cases;

int BaseVocab() { return Cases()["meta"]["base_vocab"].get<int>(); }

std::vector<TokenId> Concat(std::vector<std::vector<TokenId>> parts) {
  std::vector<TokenId> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST_CASE("The Video-LLaVA layout: <image>, <video>, <pad> after the pieces", "[tokenizer][special]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  const int base = BaseVocab();
  CHECK(tok.TokenToId(kImageToken) == base);
  CHECK(tok.TokenToId(kVideoToken) == base + 1);
  CHECK(tok.TokenToId("<pad>") == base + 2);
  CHECK(tok.vocab_size() == base + 3);
  CHECK(tok.bos_id() == 1);
  CHECK(tok.eos_id() == 2);
  CHECK(tok.unk_id() == 0);
  CHECK(tok.IdToToken(base + 1).value() == "<video>");
  CHECK(tok.IdToToken(1).value() == "<s>");
  CHECK(tok.IdToToken(3).value() == "<0x00>");
  CHECK_FALSE(tok.IdToToken(base + 3).ok());
  CHECK_FALSE(tok.IdToToken(-1).ok());
  CHECK(tok.TokenToId("<event>") == kNoToken);
  CHECK(tok.TokenToId("no such piece") == kNoToken);

  CHECK(tok.IsSpecial(base + 1));
  CHECK(tok.IsSpecial(0));
  CHECK(tok.IsSpecial(1));
  CHECK_FALSE(tok.IsSpecial(tok.TokenToId("\xE2\x96\x81" "the")));
  CHECK_FALSE(tok.IsSpecial(tok.TokenToId("<0x41>")));
  CHECK_FALSE(tok.IsSpecial(base + 3));
  CHECK(tok.TokenByte(tok.TokenToId("<0x41>")) == 0x41);
  CHECK(tok.TokenByte(tok.TokenToId("<0xFF>")) == 0xFF);
  CHECK(tok.TokenByte(base + 1) == -1);
  CHECK(tok.TokenByte(tok.TokenToId("\xE2\x96\x81" "the")) == -1);
}

TEST_CASE("EventGPT's <event> placeholder is registered after the checkpoint's tokens", "[tokenizer][special]") {
  const Tokenizer& tok = testing::EventGptTokenizer();
  const int base = BaseVocab();
  CHECK(tok.TokenToId(kEventToken) == base + 3);
  CHECK(tok.vocab_size() == base + 4);
  CHECK(tok.IsSpecial(base + 3));
  auto ids = tok.Encode(EventGptPrompt("Why?"), true);
  REQUIRE(ids.ok());
  CHECK(std::count(ids->begin(), ids->end(), base + 3) == 1);
  CHECK(std::count(ids->begin(), ids->end(), 1) == 1);  // one BOS

  // Without the option the string is plain text.
  auto plain = testing::LlamaTokenizer().Encode(EventGptPrompt("Why?"), true);
  REQUIRE(plain.ok());
  CHECK(std::count_if(plain->begin(), plain->end(), [&](TokenId id) { return id >= base; }) == 0);

  // Registering tokens the checkpoint already has changes nothing.
  TokenizerOptions options;
  options.extra_special_tokens = {kVideoToken, "<s>", kEventToken, kEventToken};
  auto again = Tokenizer::Load(testing::LlamaDir(), options);
  REQUIRE(again.ok());
  CHECK((*again)->TokenToId(kVideoToken) == base + 1);
  CHECK((*again)->TokenToId("<s>") == 1);
  CHECK((*again)->TokenToId(kEventToken) == base + 3);
  CHECK((*again)->vocab_size() == base + 4);
}

TEST_CASE("Prompt templates", "[tokenizer][special]") {
  CHECK(VideoLlavaPrompt("What is happening?") == "USER: <video>\nWhat is happening? ASSISTANT:");
  CHECK(EventGptPrompt("Describe the scene.") ==
        "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
        "detailed, and polite answers to the human's questions. USER: <event>\nDescribe the scene. ASSISTANT:");
}

// Text after an added token is encoded on its own with its own dummy-prefix
// space (the checkpoints' "legacy" behaviour): the published Video-LLaVA test
// decodes "USER: <video>Why ..." back to "USER:  Why ..." with two spaces.
TEST_CASE("Text on each side of an added token is encoded separately", "[tokenizer][special]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  const TokenId video = tok.TokenToId(kVideoToken);
  auto enc = [&](const std::string& s) { return tok.Encode(s, false).value(); };
  CHECK(enc("USER: <video>Why") == Concat({enc("USER: "), {video}, enc("Why")}));
  CHECK(enc("<video>\nWhy") == Concat({{video}, enc("\nWhy")}));
  CHECK(tok.IdToToken(enc("Why")[0]).value().rfind("\xE2\x96\x81", 0) == 0);  // starts with ▁
  CHECK(enc("\nWhy")[0] == tok.TokenToId("\xE2\x96\x81"));  // a lone dummy space before the newline
  CHECK(enc("<video><video>") == std::vector<TokenId>{video, video});
  CHECK(enc("<s>") == std::vector<TokenId>{1});
  CHECK(enc("</s>x") == Concat({{2}, enc("x")}));

  const std::string q = "Why is this video funny?";
  auto ids = tok.Encode(VideoLlavaPrompt(q), true);
  REQUIRE(ids.ok());
  CHECK(tok.Decode(*ids, true).value() == "USER:  \n" + q + " ASSISTANT:");
  CHECK(tok.Decode(*ids, false).value() == "<s> USER: <video> \n" + q + " ASSISTANT:");
}

TEST_CASE("BOS handling", "[tokenizer][special]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  CHECK(tok.Encode("", true).value() == std::vector<TokenId>{1});
  CHECK(tok.Encode("", false).value().empty());
  auto with = tok.Encode("hello", true).value();
  auto without = tok.Encode("hello", false).value();
  CHECK(with == Concat({{1}, without}));
  CHECK(tok.Decode(with, true).value() == "hello");
  CHECK(tok.Decode(with, false).value() == "<s> hello");  // as transformers writes it
  CHECK(tok.Decode({1, 1, 2}, true).value().empty());
}

// A scratch checkpoint: the fixture's tokenizer.model plus the given JSON files.
void WriteCheckpoint(const testing::ScratchDir& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  testing::WriteWholeFile(dir.File("tokenizer.model"),
                          testing::ReadWholeFile(testing::LlamaDir() + "/tokenizer.model"));
  for (const auto& [name, text] : files) testing::WriteWholeFile(dir.File(name), text);
}

TEST_CASE("Added tokens from each kind of file", "[tokenizer][special]") {
  const std::string b = std::to_string(BaseVocab());
  const std::string b1 = std::to_string(BaseVocab() + 1);
  SECTION("tokenizer.json") {
    testing::ScratchDir dir("tokenizer");
    WriteCheckpoint(dir, {{"tokenizer.json", R"({"version": "1.0", "added_tokens": [
        {"id": 0, "content": "<unk>", "special": true},
        {"id": )" + b + R"(, "content": "<image>", "special": true, "lstrip": false, "rstrip": false}]})"}});
    auto tok = Tokenizer::Load(dir.path());
    REQUIRE(tok.ok());
    CHECK((*tok)->TokenToId("<image>") == BaseVocab());
    CHECK((*tok)->IsSpecial(BaseVocab()));
    CHECK((*tok)->Encode("<unk>", false).value() == std::vector<TokenId>{0});
  }
  SECTION("added_tokens.json alone: not special") {
    testing::ScratchDir dir("tokenizer");
    WriteCheckpoint(dir, {{"added_tokens.json", R"({"<image>": )" + b + "}"}});
    auto tok = Tokenizer::Load(dir.path());
    REQUIRE(tok.ok());
    CHECK_FALSE((*tok)->IsSpecial(BaseVocab()));
    CHECK((*tok)->Decode({BaseVocab()}, true).value() == "<image>");
    // <s> is not declared: it is text here, as in sentencepiece.
    CHECK((*tok)->Encode("<s>", false).value().size() > 1);
  }
  SECTION("special_tokens_map.json marks added tokens special") {
    testing::ScratchDir dir("tokenizer");
    WriteCheckpoint(dir, {{"added_tokens.json", R"({"<image>": )" + b + R"(, "<video>": )" + b1 + "}"},
                          {"special_tokens_map.json",
                           R"({"bos_token": {"content": "<s>"}, "pad_token": "<image>",
                               "additional_special_tokens": ["<video>"]})"}});
    auto tok = Tokenizer::Load(dir.path());
    REQUIRE(tok.ok());
    CHECK((*tok)->IsSpecial(BaseVocab()));
    CHECK((*tok)->IsSpecial(BaseVocab() + 1));
    CHECK((*tok)->Encode("<s>", false).value() == std::vector<TokenId>{1});
  }
  SECTION("lstrip and rstrip swallow the whitespace beside the token") {
    testing::ScratchDir dir("tokenizer");
    WriteCheckpoint(dir, {{"tokenizer_config.json", R"({"added_tokens_decoder": {
        ")" + b + R"(": {"content": "<x>", "lstrip": true, "rstrip": true, "special": true},
        ")" + b1 + R"(": {"content": "<y>", "special": true}}})"}});
    auto tok = Tokenizer::Load(dir.path());
    REQUIRE(tok.ok());
    auto enc = [&](const std::string& s) { return (*tok)->Encode(s, false).value(); };
    CHECK(enc("a \t<x>\n b") == Concat({enc("a"), {BaseVocab()}, enc("b")}));
    CHECK(enc("a <y> b") == Concat({enc("a "), {BaseVocab() + 1}, enc(" b")}));
  }
  SECTION("leftmost match first, the longest at one position") {
    testing::ScratchDir dir("tokenizer");
    WriteCheckpoint(dir, {{"added_tokens.json", R"({"<v>": )" + b + R"(, "<v><w>": )" + b1 + R"(, "w>x": )" +
                                                    std::to_string(BaseVocab() + 2) + "}"}});
    auto tok = Tokenizer::Load(dir.path());
    REQUIRE(tok.ok());
    auto enc = [&](const std::string& s) { return (*tok)->Encode(s, false).value(); };
    CHECK(enc("<v><w>x") == Concat({{BaseVocab() + 1}, enc("x")}));
    CHECK(enc("a<v>w>x") == Concat({enc("a"), {BaseVocab(), BaseVocab() + 2}}));
  }
}

}  // namespace
}  // namespace xsd
