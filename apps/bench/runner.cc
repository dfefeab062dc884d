#include "runner.h"
#include "system_info.h"

#include "xsd/tokenizer/tokenizer.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "xsd/base/logging.h"
#include "xsd/base/status.h"
#include "xsd/config/pipeline.h"
#include "xsd/mock/mock_drafter.h"

namespace xsd::bench {
namespace {

std::string KeyOf(const std::string& config, const std::string& id) { return config + "\n" + id; }

// The first question of each of the first `n` scenes.
std::vector<const BenchSample*> WarmupSamples(const std::vector<BenchSample>& samples, int n) {
  std::vector<const BenchSample*> warm;
  std::set<std::string> scenes;
  for (const BenchSample& s : samples) {
    if (static_cast<int>(scenes.size()) >= n) break;
    if (scenes.insert(s.scene).second) warm.push_back(&s);
  }
  return warm;
}

}  // namespace

absl::Status BenchRunner::Run(const std::vector<BenchConfig>& configs, const std::vector<BenchSample>& samples) {
  int total = 0, already = 0;
  for (const BenchConfig& c : configs) {
    for (const BenchSample& s : samples) {
      ++total;
      already += store_->Has(KeyOf(c.name, s.request.id)) ? 1 : 0;
    }
  }
  progress_->Start(total, already);
  for (const BenchConfig& c : configs) XSD_RETURN_IF_ERROR(RunConfig(c, samples));
  progress_->Finish();
  return absl::OkStatus();
}

absl::Status BenchRunner::RunConfig(const BenchConfig& config, const std::vector<BenchSample>& samples) {
  std::vector<const BenchSample*> todo;
  for (const BenchSample& s : samples) {
    if (!store_->Has(KeyOf(config.name, s.request.id))) todo.push_back(&s);
  }
  if (todo.empty()) return absl::OkStatus();  // finished before a resume: not even built

  auto built = Pipeline::Create(config.config);
  if (!built.ok()) return Annotate(built.status(), config.source);
  std::unique_ptr<Pipeline> pipeline = std::move(built).value();

  // Baseline outputs for a replaying drafter, by request id.
  std::map<std::string, std::vector<TokenId>> baseline;
  for (const SampleRecord& r : store_->records()) {
    if (r.config == options_.baseline) baseline[r.id] = r.result.tokens;
  }
  auto prepare = [&](const Request& request) {
    if (!pipeline->has_replay()) return;
    auto it = baseline.find(request.id);
    if (it != baseline.end()) pipeline->SetReplay(request.id, it->second);
  };

  for (const BenchSample* s : WarmupSamples(samples, options_.warmup_scenes)) {
    prepare(s->request);
    auto r = pipeline->Generate(s->request);
    if (!r.ok()) return Annotate(r.status(), absl::StrCat(config.source, ": warm-up request ", s->request.id));
  }
  NoteResidentDeviceMemory();  // weights, caches and tables while the pipeline lives

  for (const BenchSample* s : todo) {
    prepare(s->request);
    auto r = pipeline->Generate(s->request);
    if (!r.ok()) return Annotate(r.status(), absl::StrCat(config.source, ": request ", s->request.id));
    SampleRecord rec;
    rec.config = config.name;
    rec.id = s->request.id;
    rec.scene = s->scene;
    rec.question_index = s->question_index;
    rec.position = s->position;
    rec.question = s->request.question;
    rec.pipeline_seed = config.config.seed();
    rec.request_seed = s->request.seed;
    rec.shard = options_.shard.index;
    rec.result = std::move(r).value();
    // The answer as text when the target has a tokenizer (real models);
    // mock models have none: their token ids, space-separated.
    rec.text = TokensAsText(rec.result.tokens);
    if (const Tokenizer* tok = pipeline->target().tokenizer(); tok != nullptr) {
      auto decoded = tok->Decode(rec.result.tokens, /*skip_special=*/true);
      if (decoded.ok()) {
        rec.text = *decoded;
      } else {
        XSD_LOG(WARNING) << config.name << " " << s->request.id << ": cannot decode the answer: " << decoded.status();
      }
    }
    XSD_RETURN_IF_ERROR(store_->Append(rec));
    if (config.name == options_.baseline) baseline[rec.id] = rec.result.tokens;
    progress_->Step(absl::StrCat(config.name, " ", s->request.id));
  }
  return absl::OkStatus();
}

}  // namespace xsd::bench
