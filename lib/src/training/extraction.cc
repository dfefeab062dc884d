#include "xsd/training/extraction.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/status.h"
#include "xsd/tokenizer/tokenizer.h"

namespace xsd {

const char* PairingName(Pairing pairing) { return pairing == Pairing::kTeacherForced ? "teacher_forced" : "free"; }

absl::StatusOr<Pairing> ParsePairing(const std::string& name) {
  if (name == "free") return Pairing::kFree;
  if (name == "teacher_forced") return Pairing::kTeacherForced;
  return absl::InvalidArgumentError(absl::StrCat("pairing '", name, "': expected free or teacher_forced"));
}

absl::Status CheckPairable(Drafter& drafter, const Verifier& target) {
  if (target.features() == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("extraction: the target '", target.info().name, "' exposes no hidden states"));
  }
  if (drafter.feature_stream() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("extraction: the drafter '", drafter.info().name,
                                                      "' keeps no hidden states (EventGPT does; a LLaMA drafter "
                                                      "with LlamaDrafterExtras::hidden_rows)"));
  }
  if (drafter.tokenizer() != nullptr && target.tokenizer() != nullptr) {
    return Annotate(CheckSharedVocabulary(*drafter.tokenizer(), *target.tokenizer(), drafter.info().vocab_size),
                    absl::StrCat("extraction: drafter '", drafter.info().name, "' and target '", target.info().name,
                                 "' tokenizers"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FeatureRows> ExtractPair(Verifier& target, Drafter& drafter, const Request& request,
                                        const ExtractionOptions& options) {
  const std::string who = absl::StrCat("extraction, request '", request.id, "'");
  if (options.max_new_tokens < 1) return absl::InvalidArgumentError(who + ": max_new_tokens must be >= 1");
  XSD_RETURN_IF_ERROR(CheckPairable(drafter, target));
  FeatureRows rows;
  rows.sample_id = request.id;
  // The target alone, greedy: row j = the state that predicted token j.
  std::vector<at::Tensor> target_states;
  const auto keep_last_committed = [&]() -> absl::Status {
    const at::Tensor* hidden = target.features()->committed_hidden();
    if (hidden == nullptr || !hidden->defined() || hidden->size(0) < 1) {
      return absl::InternalError(who + ": the target committed no hidden state");
    }
    return TorchCall(who, [&]() -> absl::Status {
      target_states.push_back(hidden->narrow(0, hidden->size(0) - 1, 1).to(at::kCPU).clone());
      return absl::OkStatus();
    });
  };
  XSD_ASSIGN_OR_RETURN(TargetOutput first, target.Prefill(request, OutputRequest()));
  XSD_RETURN_IF_ERROR(keep_last_committed());
  rows.target_tokens.push_back(first.argmax.at(0));
  const TokenId eos = target.info().eos_token;
  while (static_cast<int>(rows.target_tokens.size()) < options.max_new_tokens && rows.target_tokens.back() != eos &&
         target.cache_length() + 1 < target.info().max_seq_len) {
    XSD_ASSIGN_OR_RETURN(TargetOutput next, target.Verify(rows.target_tokens.back(), Draft(), OutputRequest()));
    XSD_RETURN_IF_ERROR(target.Commit({}));
    XSD_RETURN_IF_ERROR(keep_last_committed());
    rows.target_tokens.push_back(next.argmax.at(0));
  }
  const int n = static_cast<int>(rows.target_tokens.size());
  // The drafter: its own continuation, or reading the target's tokens.
  XSD_RETURN_IF_ERROR(drafter.Begin(DraftContext{&request, SamplingParams(), 0}));
  if (options.pairing == Pairing::kTeacherForced) {
    RoundOutcome outcome;
    outcome.committed = rows.target_tokens;
    XSD_RETURN_IF_ERROR(drafter.Observe(outcome));
  }
  XSD_ASSIGN_OR_RETURN(at::Tensor drafter_states, drafter.feature_stream()->GeneratedStates(n));
  return TorchCall(who, [&]() -> absl::StatusOr<FeatureRows> {
    rows.drafter_hidden = drafter_states.to(at::kCPU).clone();
    rows.target_hidden = at::cat(target_states);
    return rows;
  });
}

absl::Status ExtractFeatures(Verifier& target, Drafter& drafter, const std::vector<Request>& requests,
                             const ExtractionOptions& options, FeatureShardWriter& writer,
                             const std::function<void(int, int)>& on_sample) {
  XSD_RETURN_IF_ERROR(CheckPairable(drafter, target));
  const int total = static_cast<int>(requests.size());
  for (int i = 0; i < total; ++i) {
    const Request& request = requests[i];
    if (writer.done().count(request.id) == 0) {
      XSD_ASSIGN_OR_RETURN(FeatureRows rows, ExtractPair(target, drafter, request, options));
      XSD_RETURN_IF_ERROR(writer.Add(rows));
    }
    if (on_sample) on_sample(i + 1, total);
  }
  return writer.Finish();
}

absl::StatusOr<FeatureRows> ExtractTargetSequence(Verifier& target, const Request& request,
                                                  const ExtractionOptions& options) {
  const std::string who = absl::StrCat("extraction (target sequence), request '", request.id, "'");
  if (options.max_new_tokens < 1) return absl::InvalidArgumentError(who + ": max_new_tokens must be >= 1");
  const TargetFeatures* features = target.features();
  if (features == nullptr || features->lm_head() == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(who, ": the target '", target.info().name,
                                                      "' exposes no hidden states or LM head"));
  }
  std::vector<at::Tensor> hidden, embeds;
  const auto keep_committed = [&]() -> absl::Status {
    const at::Tensor* h = features->committed_hidden();
    const at::Tensor* e = features->committed_input_embeds();
    if (h == nullptr || e == nullptr || !h->defined() || !e->defined() || h->size(0) != e->size(0)) {
      return absl::InternalError(who + ": the target committed no hidden states / input embeddings");
    }
    return TorchCall(who, [&]() -> absl::Status {
      hidden.push_back(h->clone());  // on the device until the greedy tokens are read
      embeds.push_back(e->to(at::kCPU, at::kFloat).clone());
      return absl::OkStatus();
    });
  };
  XSD_ASSIGN_OR_RETURN(TargetOutput first, target.Prefill(request, OutputRequest()));
  XSD_RETURN_IF_ERROR(keep_committed());
  std::vector<TokenId> output = {first.argmax.at(0)};
  const TokenId eos = target.info().eos_token;
  // Each step commits the pending token's row; the last token is never fed.
  while (static_cast<int>(output.size()) < options.max_new_tokens && output.back() != eos &&
         target.cache_length() + 1 < target.info().max_seq_len) {
    XSD_ASSIGN_OR_RETURN(TargetOutput next, target.Verify(output.back(), Draft(), OutputRequest()));
    XSD_RETURN_IF_ERROR(target.Commit({}));
    XSD_RETURN_IF_ERROR(keep_committed());
    output.push_back(next.argmax.at(0));
  }
  return TorchCall(who, [&]() -> absl::StatusOr<FeatureRows> {
    FeatureRows rows;
    rows.sample_id = request.id;
    const at::Tensor states = at::cat(hidden);  // the model's device and dtype
    const at::Tensor& head = *features->lm_head();
    const at::Tensor argmax =
        at::linear(states.to(head.device(), head.scalar_type()), head).argmax(-1).to(at::kCPU, at::kLong).contiguous();
    rows.target_hidden = states.to(at::kCPU, at::kFloat);
    rows.drafter_hidden = at::cat(embeds);
    const int64_t* ids = argmax.data_ptr<int64_t>();
    rows.target_tokens.assign(ids, ids + argmax.numel());
    return rows;
  });
}

absl::Status ExtractTargetSequences(Verifier& target, const std::vector<Request>& requests,
                                    const ExtractionOptions& options, FeatureShardWriter& writer,
                                    const std::function<void(int, int)>& on_sample) {
  const int total = static_cast<int>(requests.size());
  for (int i = 0; i < total; ++i) {
    if (writer.done().count(requests[i].id) == 0) {
      XSD_ASSIGN_OR_RETURN(FeatureRows rows, ExtractTargetSequence(target, requests[i], options));
      XSD_RETURN_IF_ERROR(writer.Add(rows));
    }
    if (on_sample) on_sample(i + 1, total);
  }
  return writer.Finish();
}

}  // namespace xsd
