#include "record.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"

namespace xsd::bench {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object; the first failure is kept, so the
// callers read every field and check once.
class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": expected an object"));
  }
  template <typename T>
  void Get(const char* key, T* out) {
    if (!status_.ok()) return;
    auto it = j_.find(key);
    if (it == j_.end()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": missing '", key, "'"));
      return;
    }
    try {
      *out = it->get<T>();
    } catch (const std::exception& e) {
      status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": '", key, "': ", e.what()));
    }
  }
  const json* Child(const char* key) {
    if (!status_.ok()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": missing '", key, "'"));
      return nullptr;
    }
    return &*it;
  }
  void Fail(absl::Status s) { if (status_.ok()) status_ = std::move(s); }
  const absl::Status& status() const { return status_; }

 private:
  const json& j_;
  std::string where_;
  absl::Status status_;
};

json TimesToJson(const PhaseTimes& t) {
  return {{"target_prefill_ms", t.target_prefill_ms}, {"drafter_prefill_ms", t.drafter_prefill_ms},
          {"draft_ms", t.draft_ms},                   {"verify_ms", t.verify_ms},
          {"accept_ms", t.accept_ms},                 {"sync_ms", t.sync_ms},
          {"decode_ms", t.decode_ms},                 {"total_ms", t.total_ms},
          {"ttft_ms", t.ttft_ms}};
}

void TimesFromJson(Reader& r, PhaseTimes* t) {
  r.Get("target_prefill_ms", &t->target_prefill_ms);
  r.Get("drafter_prefill_ms", &t->drafter_prefill_ms);
  r.Get("draft_ms", &t->draft_ms);
  r.Get("verify_ms", &t->verify_ms);
  r.Get("accept_ms", &t->accept_ms);
  r.Get("sync_ms", &t->sync_ms);
  r.Get("decode_ms", &t->decode_ms);
  r.Get("total_ms", &t->total_ms);
  r.Get("ttft_ms", &t->ttft_ms);
}

json StatsToJson(const SpecStats& s) {
  return {{"new_tokens", s.new_tokens},
          {"target_forwards", s.target_forwards},
          {"rounds", s.rounds},
          {"drafted", s.drafted},
          {"accepted", s.accepted},
          {"bonus", s.bonus},
          {"drafted_at_depth", s.drafted_at_depth},
          {"accepted_at_depth", s.accepted_at_depth},
          {"free_tokens", s.free_tokens},
          {"hidden_drafts_verified", s.hidden_drafts_verified},
          {"hidden_drafts_accepted", s.hidden_drafts_accepted},
          {"overlap_ms", s.overlap_ms},
          {"gap_ms", s.gap_ms}};
}

void StatsFromJson(Reader& r, SpecStats* s) {
  r.Get("new_tokens", &s->new_tokens);
  r.Get("target_forwards", &s->target_forwards);
  r.Get("rounds", &s->rounds);
  r.Get("drafted", &s->drafted);
  r.Get("accepted", &s->accepted);
  r.Get("bonus", &s->bonus);
  r.Get("drafted_at_depth", &s->drafted_at_depth);
  r.Get("accepted_at_depth", &s->accepted_at_depth);
  r.Get("free_tokens", &s->free_tokens);
  r.Get("hidden_drafts_verified", &s->hidden_drafts_verified);
  r.Get("hidden_drafts_accepted", &s->hidden_drafts_accepted);
  r.Get("overlap_ms", &s->overlap_ms);
  r.Get("gap_ms", &s->gap_ms);
}

json BreakdownToJson(const PrefillBreakdown& b) {
  return {{"media_ms", b.media_ms}, {"vision_ms", b.vision_ms}, {"llm_ms", b.llm_ms}, {"prompt_tokens", b.prompt_tokens}};
}

void BreakdownFromJson(Reader& r, PrefillBreakdown* b) {
  r.Get("media_ms", &b->media_ms);
  r.Get("vision_ms", &b->vision_ms);
  r.Get("llm_ms", &b->llm_ms);
  r.Get("prompt_tokens", &b->prompt_tokens);
}

// xsd::FinishReasonName is declared in scheduler.h but not defined in
// libxsd yet; the bench keeps its own names (stable: they are in the files).
const char* FinishName(FinishReason f) {
  switch (f) {
    case FinishReason::kMaxTokens: return "max_tokens";
    case FinishReason::kEos: return "eos";
    case FinishReason::kCacheFull: return "cache_full";
  }
  return "unknown";
}

FinishReason FinishFromName(const std::string& name, bool* ok) {
  *ok = true;
  for (FinishReason f : {FinishReason::kMaxTokens, FinishReason::kEos, FinishReason::kCacheFull}) {
    if (name == FinishName(f)) return f;
  }
  *ok = false;
  return FinishReason::kMaxTokens;
}

}  // namespace

std::string TokensAsText(const std::vector<TokenId>& tokens) { return absl::StrJoin(tokens, " "); }

json GenerationResultToJson(const GenerationResult& r) {
  json timeline = json::array();
  for (const TimelineEvent& e : r.timeline) {
    timeline.push_back({{"lane", e.lane}, {"phase", e.phase}, {"start_ms", e.start_ms}, {"end_ms", e.end_ms},
                        {"tokens", e.tokens}, {"accepted", e.accepted}});
  }
  json margins = json::array();  // NaN is not JSON: unknown margins are null
  for (float m : r.margins) margins.push_back(std::isnan(m) ? json() : json(m));
  return {{"tokens", r.tokens},
          {"margins", margins},
          {"finish", FinishName(r.finish)},
          {"stats", StatsToJson(r.stats)},
          {"times", TimesToJson(r.times)},
          {"target_prefill", BreakdownToJson(r.target_prefill)},
          {"drafter_prefill", BreakdownToJson(r.drafter_prefill)},
          {"timeline", timeline}};
}

absl::StatusOr<GenerationResult> GenerationResultFromJson(const json& j) {
  GenerationResult r;
  Reader top(j, "result");
  top.Get("tokens", &r.tokens);
  if (j.contains("margins") && j["margins"].is_array()) {  // absent in older runs
    for (const json& m : j["margins"]) {
      r.margins.push_back(m.is_number() ? m.get<float>() : std::numeric_limits<float>::quiet_NaN());
    }
  }
  std::string finish;
  top.Get("finish", &finish);
  if (top.status().ok()) {
    bool ok = false;
    r.finish = FinishFromName(finish, &ok);
    if (!ok) top.Fail(absl::InvalidArgumentError(absl::StrCat("result: unknown finish '", finish, "'")));
  }
  if (const json* s = top.Child("stats")) {
    Reader sr(*s, "result.stats");
    StatsFromJson(sr, &r.stats);
    top.Fail(sr.status());
  }
  if (const json* t = top.Child("times")) {
    Reader tr(*t, "result.times");
    TimesFromJson(tr, &r.times);
    top.Fail(tr.status());
  }
  if (const json* b = top.Child("target_prefill")) {
    Reader br(*b, "result.target_prefill");
    BreakdownFromJson(br, &r.target_prefill);
    top.Fail(br.status());
  }
  if (const json* b = top.Child("drafter_prefill")) {
    Reader br(*b, "result.drafter_prefill");
    BreakdownFromJson(br, &r.drafter_prefill);
    top.Fail(br.status());
  }
  if (const json* tl = top.Child("timeline")) {
    if (!tl->is_array()) top.Fail(absl::InvalidArgumentError("result.timeline: expected a list"));
    for (size_t i = 0; top.status().ok() && i < tl->size(); ++i) {
      Reader er((*tl)[i], absl::StrCat("result.timeline[", i, "]"));
      TimelineEvent e;
      er.Get("lane", &e.lane);
      er.Get("phase", &e.phase);
      er.Get("start_ms", &e.start_ms);
      er.Get("end_ms", &e.end_ms);
      er.Get("tokens", &e.tokens);
      er.Get("accepted", &e.accepted);
      top.Fail(er.status());
      r.timeline.push_back(std::move(e));
    }
  }
  XSD_RETURN_IF_ERROR(top.status());
  return r;
}

json RecordToJson(const SampleRecord& rec) {
  return {{"config", rec.config},
          {"id", rec.id},
          {"scene", rec.scene},
          {"question_index", rec.question_index},
          {"position", rec.position},
          {"question", rec.question},
          {"pipeline_seed", rec.pipeline_seed},
          {"request_seed", rec.request_seed},
          {"shard", rec.shard},
          {"text", rec.text},
          {"result", GenerationResultToJson(rec.result)}};
}

absl::StatusOr<SampleRecord> RecordFromJson(const json& j) {
  SampleRecord rec;
  Reader r(j, "record");
  r.Get("config", &rec.config);
  r.Get("id", &rec.id);
  r.Get("scene", &rec.scene);
  r.Get("question_index", &rec.question_index);
  r.Get("position", &rec.position);
  r.Get("question", &rec.question);
  r.Get("pipeline_seed", &rec.pipeline_seed);
  r.Get("request_seed", &rec.request_seed);
  r.Get("shard", &rec.shard);
  r.Get("text", &rec.text);
  XSD_RETURN_IF_ERROR(r.status());
  const json* result = r.Child("result");
  XSD_RETURN_IF_ERROR(r.status());
  auto parsed = GenerationResultFromJson(*result);
  if (!parsed.ok()) return Annotate(parsed.status(), absl::StrCat("record ", rec.config, " ", rec.id));
  rec.result = std::move(parsed).value();
  return rec;
}

}  // namespace xsd::bench
