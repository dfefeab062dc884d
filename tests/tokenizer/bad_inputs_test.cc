// Broken checkpoints and bad calls: every one is a Status naming the file or
// the token, none a crash.
#include <random>

#include "tokenizer_fixture.h"
#include "xsd/sentencepiece_model.pb.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

using testing::ScratchDir;

bool Mentions(const absl::Status& s, const std::string& what) {
  return std::string(s.message()).find(what) != std::string::npos;
}

std::string LlamaModelBytes() { return testing::ReadWholeFile(testing::LlamaDir() + "/tokenizer.model"); }

// A minimal valid BPE model: <unk> <s> </s> ▁ a b ab.
spm::ModelProto TinyModel() {
  spm::ModelProto m;
  auto add = [&](const std::string& piece, float score, spm::ModelProto::SentencePiece::Type type) {
    auto* p = m.add_pieces();
    p->set_piece(piece);
    p->set_score(score);
    p->set_type(type);
  };
  add("<unk>", 0, spm::ModelProto::SentencePiece::UNKNOWN);
  add("<s>", 0, spm::ModelProto::SentencePiece::CONTROL);
  add("</s>", 0, spm::ModelProto::SentencePiece::CONTROL);
  add("\xE2\x96\x81", -3, spm::ModelProto::SentencePiece::NORMAL);
  add("a", -3, spm::ModelProto::SentencePiece::NORMAL);
  add("b", -3, spm::ModelProto::SentencePiece::NORMAL);
  add("ab", -1, spm::ModelProto::SentencePiece::NORMAL);
  m.mutable_trainer_spec()->set_model_type(spm::TrainerSpec::BPE);
  m.mutable_normalizer_spec()->set_name("identity");
  m.mutable_normalizer_spec()->set_remove_extra_whitespaces(false);
  return m;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> LoadModel(const ScratchDir& dir, const spm::ModelProto& m) {
  testing::WriteWholeFile(dir.File("tokenizer.model"), m.SerializeAsString());
  return Tokenizer::Load(dir.path());
}

TEST_CASE("A missing directory or tokenizer.model is NotFound naming the path", "[tokenizer][errors]") {
  auto missing = Tokenizer::Load("/nonexistent/xsd/checkpoint");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(Mentions(missing.status(), "/nonexistent/xsd/checkpoint/tokenizer.model"));

  ScratchDir dir("tokenizer");
  testing::WriteWholeFile(dir.File("tokenizer_config.json"), "{}");
  auto empty_dir = Tokenizer::Load(dir.path());
  REQUIRE_FALSE(empty_dir.ok());
  CHECK(empty_dir.status().code() == absl::StatusCode::kNotFound);
  CHECK(Mentions(empty_dir.status(), dir.File("tokenizer.model")));
}

TEST_CASE("A corrupt tokenizer.model is InvalidArgument naming the path", "[tokenizer][errors]") {
  ScratchDir dir("tokenizer");
  const std::string path = dir.File("tokenizer.model");
  const std::string good = LlamaModelBytes();
  SECTION("empty") {
    testing::WriteWholeFile(path, "");
  }
  SECTION("cut in half") {
    testing::WriteWholeFile(path, good.substr(0, good.size() / 2));
  }
  SECTION("not a protobuf") {
    testing::WriteWholeFile(path, "this is not a SentencePiece model, just text\n");
  }
  SECTION("cut inside the vocabulary at a field boundary") {
    // The first 10 pieces, re-serialized: valid protobuf, no trainer_spec.
    spm::ModelProto m;
    REQUIRE(m.ParseFromString(good));
    spm::ModelProto cut;
    for (int i = 0; i < 10; ++i) *cut.add_pieces() = m.pieces(i);
    testing::WriteWholeFile(path, cut.SerializeAsString());
  }
  auto tok = Tokenizer::Load(dir.path());
  REQUIRE_FALSE(tok.ok());
  CHECK(tok.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Mentions(tok.status(), path));
}

TEST_CASE("Every truncation and random corruption of tokenizer.model is handled", "[tokenizer][errors]") {
  const std::string good = LlamaModelBytes();
  ScratchDir dir("tokenizer");
  std::mt19937 rng(11);
  int rejected = 0, accepted = 0;
  auto exercise = [&](const std::string& bytes) {
    testing::WriteWholeFile(dir.File("tokenizer.model"), bytes);
    auto tok = Tokenizer::Load(dir.path());
    if (!tok.ok()) {
      CHECK(Mentions(tok.status(), "tokenizer.model"));
      ++rejected;
      return;
    }
    ++accepted;  // a corruption can leave a valid model: it must still work
    auto ids = (*tok)->Encode("Hello wörld 😀 <video> 12", true);
    if (ids.ok()) (void)(*tok)->Decode(*ids, false);
  };
  for (size_t n = 0; n < good.size(); n += 211) exercise(good.substr(0, n));
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    exercise(bad);
  }
  INFO(rejected << " rejected, " << accepted << " accepted");
  CHECK(rejected > 200);
}

TEST_CASE("Invalid vocabularies are rejected with the reason", "[tokenizer][errors]") {
  ScratchDir dir("tokenizer");
  SECTION("unigram models are not supported") {
    spm::ModelProto m = TinyModel();
    m.mutable_trainer_spec()->set_model_type(spm::TrainerSpec::UNIGRAM);
    auto tok = LoadModel(dir, m);
    REQUIRE_FALSE(tok.ok());
    CHECK(tok.status().code() == absl::StatusCode::kUnimplemented);
  }
  SECTION("duplicate piece") {
    spm::ModelProto m = TinyModel();
    *m.add_pieces() = m.pieces(4);
    auto tok = LoadModel(dir, m);
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "defined twice"));
  }
  SECTION("no unknown piece") {
    spm::ModelProto m = TinyModel();
    m.mutable_pieces(0)->set_type(spm::ModelProto::SentencePiece::CONTROL);
    CHECK_FALSE(LoadModel(dir, m).ok());
  }
  SECTION("byte fallback without the byte pieces") {
    spm::ModelProto m = TinyModel();
    m.mutable_trainer_spec()->set_byte_fallback(true);
    auto tok = LoadModel(dir, m);
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "<0x00>"));
  }
  SECTION("a byte piece without byte fallback") {
    spm::ModelProto m = TinyModel();
    auto* p = m.add_pieces();
    p->set_piece("<0x41>");
    p->set_type(spm::ModelProto::SentencePiece::BYTE);
    CHECK_FALSE(LoadModel(dir, m).ok());
  }
  SECTION("a broken normalization rule blob") {
    spm::ModelProto m = TinyModel();
    m.mutable_normalizer_spec()->set_precompiled_charsmap(std::string("\xFF\xFF\x00\x00xyz", 7));
    auto tok = LoadModel(dir, m);
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "precompiled_charsmap"));
  }
}

TEST_CASE("Corrupt normalization rules never crash", "[tokenizer][errors]") {
  // The variant model carries compiled rules; scramble bytes inside them.
  spm::ModelProto m;
  REQUIRE(m.ParseFromString(testing::ReadWholeFile(testing::VariantDir() + "/tokenizer.model")));
  const std::string rules = m.normalizer_spec().precompiled_charsmap();
  REQUIRE(rules.size() > 100);
  ScratchDir dir("tokenizer");
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bad = rules;
    for (int k = 0; k < 4; ++k) bad[4 + rng() % (bad.size() - 4)] = static_cast<char>(rng());
    m.mutable_normalizer_spec()->set_precompiled_charsmap(bad);
    auto tok = LoadModel(dir, m);
    if (!tok.ok()) continue;
    // Rules are checked at Load: a model that loads encodes.
    auto ids = (*tok)->Encode("Ｆｕｌｌ ﬁ ① e\xCC\x81 text \xE2\x80\x8B x", true);
    INFO(ids.status().ToString());
    REQUIRE(ids.ok());
    CHECK((*tok)->Decode(*ids, true).ok());
  }
}

// Found by fuzz_tokenizer: a model whose compiled rules hold a value beyond
// the string pool loaded, and only Encode of a text reaching that rule failed.
TEST_CASE("A rule value outside the string pool is refused at Load", "[tokenizer][errors]") {
  const std::string crasher = testing::ReadWholeFile(
      std::string(XSD_SOURCE_DIR) + "/tests/fuzz/regressions/fuzz_tokenizer/charsmap_value_outside_pool.model");
  REQUIRE_FALSE(crasher.empty());
  ScratchDir dir("tokenizer");
  testing::WriteWholeFile(dir.File("tokenizer.model"), crasher);
  auto tok = Tokenizer::Load(dir.path());
  REQUIRE_FALSE(tok.ok());
  INFO(tok.status().ToString());
  CHECK(tok.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Mentions(tok.status(), dir.File("tokenizer.model")));
  CHECK(Mentions(tok.status(), "outside the"));
  CHECK(Mentions(tok.status(), "string pool"));
}

TEST_CASE("Added tokens that disagree are errors naming the token", "[tokenizer][errors]") {
  ScratchDir dir("tokenizer");
  testing::CopyFixtureFiles(testing::LlamaDir(), dir);
  const int base = testing::Cases()["meta"]["base_vocab"].get<int>();
  auto load_with = [&](const std::string& file, const std::string& text) {
    testing::WriteWholeFile(dir.File(file), text);
    return Tokenizer::Load(dir.path());
  };
  SECTION("added_tokens.json gives <video> another id than tokenizer_config.json") {
    auto tok = load_with("added_tokens.json", R"({"<image>": )" + std::to_string(base) + R"(, "<video>": )" +
                                                  std::to_string(base + 7) + "}");
    REQUIRE_FALSE(tok.ok());
    CHECK(tok.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Mentions(tok.status(), "'<video>'"));
    CHECK(Mentions(tok.status(), "added_tokens.json"));
  }
  SECTION("two tokens on one id") {
    auto tok = load_with("added_tokens.json", R"({"<other>": )" + std::to_string(base + 1) + "}");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "'<other>'"));
    CHECK(Mentions(tok.status(), "<video>"));
  }
  SECTION("an added token on the id of a piece") {
    auto tok = load_with("added_tokens.json", R"({"<foo>": 5})");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "'<foo>'"));
  }
  SECTION("a negative id") {
    auto tok = load_with("added_tokens.json", R"({"<foo>": -3})");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "'<foo>'"));
  }
  SECTION("an id that is not a number") {
    auto tok = load_with("added_tokens.json", R"({"<foo>": "32000"})");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "added_tokens.json"));
    CHECK(Mentions(tok.status(), "<foo>"));
  }
  SECTION("tokenizer_config.json that is not JSON") {
    auto tok = load_with("tokenizer_config.json", "{\"added_tokens_decoder\": {");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "tokenizer_config.json"));
  }
  SECTION("added_tokens_decoder with a key that is not an id") {
    auto tok = load_with("tokenizer_config.json", R"({"added_tokens_decoder": {"x": {"content": "<a>"}}})");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "added_tokens_decoder.x"));
  }
  SECTION("tokenizer.json with a malformed entry") {
    auto tok = load_with("tokenizer.json", R"({"added_tokens": [{"id": "7", "content": "<a>"}]})");
    REQUIRE_FALSE(tok.ok());
    CHECK(Mentions(tok.status(), "tokenizer.json"));
  }
}

TEST_CASE("Bad ids and a missing BOS are errors", "[tokenizer][errors]") {
  const Tokenizer& tok = testing::LlamaTokenizer();
  CHECK(tok.Decode({-1}).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(tok.Decode({5, tok.vocab_size()}).status().code() == absl::StatusCode::kOutOfRange);
  CHECK_FALSE(tok.IdToToken(tok.vocab_size()).ok());

  // A gap between added ids is not a token.
  ScratchDir dir("tokenizer");
  testing::WriteWholeFile(dir.File("tokenizer.model"), LlamaModelBytes());
  const int base = testing::Cases()["meta"]["base_vocab"].get<int>();
  testing::WriteWholeFile(dir.File("added_tokens.json"), R"({"<far>": )" + std::to_string(base + 4) + "}");
  auto gap = Tokenizer::Load(dir.path());
  REQUIRE(gap.ok());
  CHECK((*gap)->vocab_size() == base + 5);
  CHECK((*gap)->Decode({base + 4}).value() == "<far>");
  CHECK((*gap)->Decode({base + 1}).status().code() == absl::StatusCode::kOutOfRange);
  CHECK_FALSE((*gap)->IdToToken(base + 1).ok());

  spm::ModelProto m = TinyModel();
  m.mutable_trainer_spec()->set_bos_piece("<bos>");  // names no piece: no BOS, as in sentencepiece
  ScratchDir no_bos("tokenizer");
  auto t = LoadModel(no_bos, m);
  REQUIRE(t.ok());
  CHECK((*t)->bos_id() == kNoToken);
  CHECK((*t)->Encode("ab", true).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK((*t)->Encode("ab", false).value() == std::vector<TokenId>{3, 6});  // ▁ ab
}

}  // namespace
}  // namespace xsd
