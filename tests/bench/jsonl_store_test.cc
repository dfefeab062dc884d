#include "jsonl_store.h"
#include "support/scratch_dir.h"
#include "support/whole_file.h"
#include "test_records.h"
#include "xsd_catch.h"

namespace xsd::bench {
namespace {

using testing::MakeRecord;
using xsd::testing::ReadWholeFile;
using testing::RecordSpec;
using xsd::testing::ScratchDir;
using xsd::testing::WriteWholeFile;

SampleRecord Rich() {
  RecordSpec spec;
  spec.config = "L4+VL";
  spec.id = "scene_7/3";
  spec.tokens = {5, 9, 31999, 0};
  SampleRecord r = MakeRecord(spec);
  r.result.finish = FinishReason::kEos;
  r.result.stats.drafted_at_depth = {4, 2};
  r.result.stats.accepted_at_depth = {3, 1};
  r.result.stats.free_tokens = 21;
  r.result.stats.overlap_ms = 123.25;
  r.result.target_prefill.vision_ms = 8.5;
  r.result.target_prefill.prompt_tokens = 2076;
  r.result.drafter_prefill.media_ms = 1.5;
  r.result.timeline.push_back({"drafter", "draft", 90.0, 100.5, 1, 0});
  r.result.timeline.push_back({"target", "verify", 316.0, 330.0, 5, 4});
  r.request_seed = 0xFFFFFFFFFFFFFFFFull;  // full 64-bit range survives JSON
  r.question = "Is the road \"wet\"?\n";
  return r;
}

TEST_CASE("Records survive a JSON round trip field for field", "[bench][jsonl]") {
  const SampleRecord a = Rich();
  auto b = RecordFromJson(nlohmann::json::parse(RecordToJson(a).dump()));
  REQUIRE(b.ok());
  CHECK(b->Key() == a.Key());
  CHECK(b->question == a.question);
  CHECK(b->request_seed == a.request_seed);
  CHECK(b->result.tokens == a.result.tokens);
  CHECK(b->result.finish == FinishReason::kEos);
  CHECK(b->result.stats.drafted_at_depth == a.result.stats.drafted_at_depth);
  CHECK(b->result.stats.free_tokens == 21);
  CHECK(b->result.stats.overlap_ms == 123.25);
  CHECK(b->result.times.total_ms == a.result.times.total_ms);
  CHECK(b->result.target_prefill.prompt_tokens == 2076);
  CHECK(b->result.drafter_prefill.media_ms == 1.5);
  REQUIRE(b->result.timeline.size() == 2);
  CHECK(b->result.timeline[1].lane == "target");
  CHECK(b->result.timeline[1].accepted == 4);
  CHECK(b->result.timeline[0].end_ms == 100.5);
}

TEST_CASE("A record missing a key is rejected naming the key", "[bench][jsonl]") {
  nlohmann::json j = RecordToJson(Rich());
  j["result"]["stats"].erase("accepted");
  auto r = RecordFromJson(j);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("'accepted'") != std::string::npos);
}

TEST_CASE("The store appends durably and reads back", "[bench][jsonl]") {
  ScratchDir dir("bench");
  const std::string path = dir.File("run.jsonl");
  {
    auto store = JsonlStore::Open(path, false);
    REQUIRE(store.ok());
    REQUIRE((*store)->WriteHeader({{"settings", {{"max_new_tokens", 50}}}}).ok());
    REQUIRE((*store)->Append(Rich()).ok());
    SampleRecord second = Rich();
    second.id = "scene_7/4";
    REQUIRE((*store)->Append(second).ok());
    CHECK((*store)->Append(second).code() == absl::StatusCode::kAlreadyExists);  // never twice
  }
  auto contents = ReadJsonl(path);
  REQUIRE(contents.ok());
  REQUIRE(contents->header.has_value());
  CHECK((*contents->header)["settings"]["max_new_tokens"] == 50);
  REQUIRE(contents->records.size() == 2);
  CHECK(contents->records[1].id == "scene_7/4");
  CHECK_FALSE(contents->torn_tail);
  // Three lines, each ending in a newline.
  const std::string text = ReadWholeFile(path);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK(text.back() == '\n');
}

TEST_CASE("A finished run is not overwritten without --resume", "[bench][jsonl]") {
  ScratchDir dir("bench");
  const std::string path = dir.File("run.jsonl");
  {
    auto store = JsonlStore::Open(path, false);
    REQUIRE(store.ok());
    REQUIRE((*store)->WriteHeader({{"x", 1}}).ok());
  }
  auto again = JsonlStore::Open(path, false);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(again.status().message()).find("--resume") != std::string::npos);
}

TEST_CASE("A torn last line is ignored, then cut away on resume", "[bench][jsonl]") {
  ScratchDir dir("bench");
  const std::string path = dir.File("run.jsonl");
  {
    auto store = JsonlStore::Open(path, false);
    REQUIRE(store.ok());
    REQUIRE((*store)->WriteHeader({{"x", 1}}).ok());
    REQUIRE((*store)->Append(Rich()).ok());
  }
  const std::string good = ReadWholeFile(path);
  // A kill in the middle of the second record's write.
  std::string line = RecordToJson(Rich()).dump();
  WriteWholeFile(path, "{\"kind\": \"record\", " + line.substr(1, line.size() / 2), /*append=*/true);

  auto contents = ReadJsonl(path);
  REQUIRE(contents.ok());
  CHECK(contents->torn_tail);
  CHECK(contents->records.size() == 1);

  SampleRecord next = Rich();
  next.id = "scene_7/9";
  {
    auto store = JsonlStore::Open(path, true);
    REQUIRE(store.ok());
    CHECK((*store)->dropped_torn_tail());
    CHECK((*store)->Has(Rich().Key()));
    REQUIRE((*store)->Append(next).ok());
  }
  const std::string after = ReadWholeFile(path);
  REQUIRE(after.size() > good.size());
  CHECK(after.substr(0, good.size()) == good);  // the torn bytes are gone, the good ones untouched
  auto reread = ReadJsonl(path);
  REQUIRE(reread.ok());
  CHECK_FALSE(reread->torn_tail);
  REQUIRE(reread->records.size() == 2);
  CHECK(reread->records[1].id == "scene_7/9");
}

TEST_CASE("A bad line that is not the last is data loss, named by line", "[bench][jsonl]") {
  ScratchDir dir("bench");
  const std::string path = dir.File("run.jsonl");
  WriteWholeFile(path, "{\"kind\": \"header\"}\n{not json\n" + RecordToJson(Rich()).dump() + "\n");
  auto contents = ReadJsonl(path);
  REQUIRE_FALSE(contents.ok());
  CHECK(contents.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(contents.status().message()).find("run.jsonl:2") != std::string::npos);
}

}  // namespace
}  // namespace xsd::bench
