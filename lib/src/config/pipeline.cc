#include "xsd/config/pipeline.h"

#include <fstream>
#include <sstream>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"
#include "config/device.h"
#include "xsd/core/sampling.h"
#include "xsd/mock/mock_drafter.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {
namespace {

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    AddError(line, column, message);
  }
  std::string Joined() const { return absl::StrJoin(errors_, "; "); }
  bool empty() const { return errors_.empty(); }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// Drafters whose ids reach the target unmapped must share its vocabulary.
absl::Status CheckVocabulary(const Drafter& drafter, const Verifier& target, const std::string& field) {
  if (!drafter.capabilities().own_vocabulary) return absl::OkStatus();
  const Tokenizer* mine = drafter.tokenizer();
  const Tokenizer* theirs = target.tokenizer();
  if (mine == nullptr || theirs == nullptr) return absl::OkStatus();  // prompts given as ids: nothing to compare
  return Annotate(CheckSharedVocabulary(*mine, *theirs, drafter.info().vocab_size), field);
}

bool NeedsDrafter(const std::string& scheduler) { return scheduler == "speculative" || scheduler == "prefill_hiding"; }

absl::Status CheckDrafterConfig(const config::DrafterConfig& d, const std::string& field) {
  if (d.name().empty()) return absl::InvalidArgumentError(absl::StrCat(field, ".name: required"));
  return CheckDevice(d.device(), field + ".device");
}

}  // namespace

absl::StatusOr<config::PipelineConfig> ParsePipelineConfig(const std::string& text, const std::string& source_name) {
  config::PipelineConfig config;
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors(source_name);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config) || !errors.empty()) {
    return absl::InvalidArgumentError(errors.empty() ? absl::StrCat(source_name, ": malformed pipeline config")
                                                     : errors.Joined());
  }
  return config;
}

absl::StatusOr<config::PipelineConfig> LoadPipelineConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open pipeline config"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  XSD_ASSIGN_OR_RETURN(config::PipelineConfig config, ParsePipelineConfig(buffer.str(), path));
  XSD_RETURN_IF_ERROR_CTX(ValidatePipelineConfig(config), path);
  return config;
}

absl::Status ValidatePipelineConfig(const config::PipelineConfig& c) {
  if (c.max_new_tokens() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("max_new_tokens: must be >= 1, got ", c.max_new_tokens()));
  }
  if (!c.has_target()) return absl::InvalidArgumentError("target: required (the model that verifies)");
  if (c.target().name().empty()) return absl::InvalidArgumentError("target.name: required");
  XSD_RETURN_IF_ERROR(CheckDevice(c.target().device(), "target.device"));
  if (!c.has_scheduler() || c.scheduler().name().empty()) {
    return absl::InvalidArgumentError("scheduler.name: required (autoregressive, speculative or prefill_hiding)");
  }
  const auto& s = c.scheduler();
  if (s.gamma() < 0) return absl::InvalidArgumentError(absl::StrCat("scheduler.gamma: must be >= 0, got ", s.gamma()));
  if (s.max_free_tokens() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("scheduler.max_free_tokens: must be >= 0, got ", s.max_free_tokens()));
  }
  if (s.has_tree()) {
    if (s.tree().top_k() < 1) return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.top_k: must be >= 1, got ", s.tree().top_k()));
    if (s.tree().depth() < 1) return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.depth: must be >= 1, got ", s.tree().depth()));
    if (s.tree().total_tokens() < 1) {
      return absl::InvalidArgumentError(absl::StrCat("scheduler.tree.total_tokens: must be >= 1, got ", s.tree().total_tokens()));
    }
  }
  if (NeedsDrafter(s.name()) && !c.has_drafter()) {
    return absl::InvalidArgumentError(absl::StrCat("drafter: required by scheduler '", s.name(), "'"));
  }
  if (c.has_drafter()) XSD_RETURN_IF_ERROR(CheckDrafterConfig(c.drafter(), "drafter"));
  if (c.has_decode_drafter()) XSD_RETURN_IF_ERROR(CheckDrafterConfig(c.decode_drafter(), "decode_drafter"));
  if (c.has_decode_drafter() && s.name() != "prefill_hiding") {
    return absl::InvalidArgumentError(absl::StrCat("decode_drafter: only the prefill_hiding scheduler has a second phase, "
                                                   "not '", s.name(), "'"));
  }
  const auto& a = c.acceptance();
  SamplingParams sampling;
  sampling.temperature = a.temperature();
  sampling.top_p = a.top_p();
  XSD_RETURN_IF_ERROR(ValidateSamplingParams(sampling));
  return absl::OkStatus();
}

SchedulerOptions SchedulerOptionsFromConfig(const config::PipelineConfig& c) {
  SchedulerOptions o;
  const auto& s = c.scheduler();
  o.max_new_tokens = c.max_new_tokens();
  o.gamma = s.gamma();
  if (s.has_tree()) o.tree = TreeSpec{s.tree().top_k(), s.tree().depth(), s.tree().total_tokens()};
  o.max_free_tokens = s.max_free_tokens();
  o.concurrent = s.concurrent();
  o.gate_on_first_draft = s.first_draft() == config::SchedulerConfig::GATE;
  o.seed = c.seed();
  o.record_margins = s.record_margins();
  o.skip_slow_lane = s.skip_slow_lane();
  o.adaptive_gamma = s.adaptive_gamma();
  return o;
}

void Pipeline::SetReplay(const std::string& request_id, const std::vector<TokenId>& tokens) {
  for (ReplayOracle* oracle : replay_oracles_) oracle->Set(request_id, tokens);
}

Pipeline::~Pipeline() {
  scheduler_.reset();  // borrows everything else
}

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const config::PipelineConfig& config,
                                                           const Registry& registry) {
  XSD_RETURN_IF_ERROR(ValidatePipelineConfig(config));
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->config_ = config;
  BuildContext context;
  context.pipeline = &p->config_;
  context.field = "target";
  XSD_ASSIGN_OR_RETURN(BuiltVerifier target, registry.CreateVerifier(config.target(), context));
  p->target_ = std::move(target.verifier);
  context.target = p->target_.get();
  if (target.make_oracle) {
    context.target_oracle = std::move(target.make_oracle);
  } else {
    Pipeline* pipeline = p.get();  // outlives its drafters' oracles' creation
    context.target_oracle = [pipeline]() -> std::unique_ptr<Oracle> {
      auto replay = std::make_unique<ReplayOracle>();
      pipeline->replay_oracles_.push_back(replay.get());
      return replay;
    };
  }
  if (config.has_drafter()) {
    context.field = "drafter";
    XSD_ASSIGN_OR_RETURN(p->drafter_, registry.CreateDrafter(config.drafter(), context));
    XSD_RETURN_IF_ERROR(CheckVocabulary(*p->drafter_, *p->target_, "drafter"));
    context.drafter = p->drafter_.get();
  }
  if (config.has_decode_drafter()) {
    context.field = "decode_drafter";
    XSD_ASSIGN_OR_RETURN(p->decode_drafter_, registry.CreateDrafter(config.decode_drafter(), context));
    XSD_RETURN_IF_ERROR(CheckVocabulary(*p->decode_drafter_, *p->target_, "decode_drafter"));
  }
  XSD_ASSIGN_OR_RETURN(p->policy_, registry.CreateAcceptance(config.acceptance()));
  SchedulerParts parts;
  parts.target = p->target_.get();
  parts.drafter = p->drafter_.get();
  parts.decode_drafter = p->decode_drafter_.get();
  parts.policy = p->policy_.get();
  parts.options = SchedulerOptionsFromConfig(config);
  parts.options.lane_thread_state = [](const std::function<void()>& work) {
    at::init_num_threads();  // the process's intra-op thread count (at::set_num_threads), not OpenMP's default
    c10::InferenceMode inference;
    work();
  };
  XSD_ASSIGN_OR_RETURN(p->scheduler_, registry.CreateScheduler(config.scheduler(), parts));
  return p;
}

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::FromTextProto(const std::string& text,
                                                                  const std::string& source_name) {
  XSD_ASSIGN_OR_RETURN(config::PipelineConfig config, ParsePipelineConfig(text, source_name));
  auto pipeline = Create(config);
  if (!pipeline.ok()) return Annotate(pipeline.status(), source_name);
  return pipeline;
}

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::FromFile(const std::string& path) {
  XSD_ASSIGN_OR_RETURN(config::PipelineConfig config, LoadPipelineConfig(path));
  auto pipeline = Create(config);
  if (!pipeline.ok()) return Annotate(pipeline.status(), path);
  return pipeline;
}

absl::StatusOr<GenerationResult> Pipeline::Generate(const Request& request) {
  // No autograd bookkeeping while generating (~12 % of a CPU decode step of
  // the small world's target); the lane thread enters the same state.
  c10::InferenceMode inference;
  return scheduler_->Generate(request);
}

}  // namespace xsd
