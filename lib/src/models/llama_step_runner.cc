#include "xsd/models/llama_step_runner.h"

#include <algorithm>
#include <limits>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {

const char* LlamaStepModeName(LlamaStepMode mode) {
  switch (mode) {
    case LlamaStepMode::kAuto: return "auto";
    case LlamaStepMode::kEager: return "eager";
    case LlamaStepMode::kStatic: return "static";
    case LlamaStepMode::kGraphs: return "graphs";
  }
  return "unknown";
}

// One (rows, span bucket) step: its device staging buffer, constant
// index tensors, and once captured its graph and the graph's outputs.
struct LlamaStepRunner::Bucket {
  int rows = 0;
  int span = 0;
  at::Tensor staged;       // int64 [2*rows + 1 + rows*rows]: tokens | positions | past | mask
  at::Tensor row_offsets;  // int64 [rows]: 0 .. rows - 1
  at::Tensor span_index;   // int64 [span]: 0 .. span - 1
  int runs = 0;
  std::unique_ptr<CudaGraph> graph;
  LlamaOutput captured;    // the graph's output buffers

  int64_t staged_size() const { return 2LL * rows + 1 + static_cast<int64_t>(rows) * rows; }
};

LlamaStepRunner::LlamaStepRunner(const LlamaModel* model, KvCache* cache, const LlamaStepRunnerOptions& options)
    : model_(model), cache_(cache), options_(options), staging_fence_(model->device()) {}

LlamaStepRunner::~LlamaStepRunner() = default;

absl::StatusOr<std::unique_ptr<LlamaStepRunner>> LlamaStepRunner::Create(const LlamaModel* model, KvCache* cache,
                                                                         const LlamaStepRunnerOptions& options) {
  if (model == nullptr || cache == nullptr) return absl::InvalidArgumentError("llama step runner: no model or cache");
  if (options.max_rows < 1 || options.span_granule < 1) {
    return absl::InvalidArgumentError(absl::StrCat("llama step runner: max_rows (", options.max_rows,
                                                   ") and span_granule (", options.span_granule,
                                                   ") must be positive"));
  }
  if (!(cache->spec() == model->CacheSpec(cache->capacity()))) {
    return absl::InvalidArgumentError(absl::StrCat("llama step runner: cache ", cache->spec().DebugString(),
                                                   " does not match the model"));
  }
  if (options.cuda_graphs && !(model->device().is_cuda() && CudaGraphsSupported())) {
    return absl::FailedPreconditionError(absl::StrCat("llama step runner: CUDA graphs need a CUDA device and a CUDA ",
                                                      "build of libxsd; the model is on ", model->device().str()));
  }
  std::unique_ptr<LlamaStepRunner> runner(new LlamaStepRunner(model, cache, options));
  const int64_t most = options.max_rows;  // the staging buffer of the largest step
  const int64_t staging = 2 * most + 1 + most * most;
  XSD_RETURN_IF_ERROR(TorchCall("llama step runner: host staging buffer", [&]() -> absl::Status {
    auto host = at::TensorOptions().dtype(at::kLong);
    if (model->device().is_cuda()) host = host.pinned_memory(true);
    runner->host_staging_ = at::empty({staging}, host);
    return absl::OkStatus();
  }));
  return runner;
}

int LlamaStepRunner::SpanBucket(int past, int rows) const {
  const int need = past + rows;
  const int granule = options_.span_granule;
  return std::min(cache_->capacity(), (need + granule - 1) / granule * granule);
}

bool LlamaStepRunner::Handles(int rows) const {
  return rows >= 1 && rows <= options_.max_rows && cache_->length() + rows <= cache_->capacity();
}

absl::StatusOr<LlamaStepRunner::Bucket*> LlamaStepRunner::GetBucket(int rows, int span) {
  auto& slot = buckets_[{rows, span}];
  if (slot != nullptr) return slot.get();
  auto bucket = std::make_unique<Bucket>();
  bucket->rows = rows;
  bucket->span = span;
  XSD_RETURN_IF_ERROR(TorchCall("llama step runner: bucket buffers", [&]() -> absl::Status {
    const auto options = at::TensorOptions().dtype(at::kLong).device(model_->device());
    bucket->staged = at::zeros({bucket->staged_size()}, options);
    bucket->row_offsets = at::arange(rows, options);
    bucket->span_index = at::arange(span, options);
    return absl::OkStatus();
  }));
  slot = std::move(bucket);
  return slot.get();
}

absl::Status LlamaStepRunner::Stage(const LlamaStepInput& input, Bucket* bucket) {
  const int rows = bucket->rows;
  staging_fence_.Wait();  // the previous step's copy has read the buffer
  int64_t* h = host_staging_.data_ptr<int64_t>();
  int64_t* tokens = h;
  int64_t* positions = h + rows;
  int64_t* mask = h + 2 * rows + 1;
  for (int i = 0; i < rows; ++i) {
    tokens[i] = input.device_tokens.defined() ? 0 : input.tokens[i];
    positions[i] = input.positions[i];
  }
  h[2 * rows] = cache_->length();
  std::fill(mask, mask + static_cast<int64_t>(rows) * rows, 0);
  for (int i = 0; i < rows; ++i) {
    int64_t* row = mask + static_cast<int64_t>(i) * rows;
    if (input.tree_mask.empty()) {
      for (int j = 0; j <= i; ++j) row[j] = 1;
    } else {
      for (int j = 0; j < rows; ++j) row[j] = input.tree_mask[static_cast<size_t>(i) * rows + j] != 0 ? 1 : 0;
    }
  }
  return TorchCall("llama step runner: staging the step", [&]() -> absl::Status {
    bucket->staged.copy_(host_staging_.narrow(0, 0, bucket->staged_size()), /*non_blocking=*/true);
    staging_fence_.Record();
    if (input.device_tokens.defined()) {
      bucket->staged.narrow(0, 0, rows).copy_(input.device_tokens.reshape({rows}));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<LlamaOutput> LlamaStepRunner::RunStatic(Bucket* bucket) {
  const int64_t t = bucket->rows, span = bucket->span;
  LlamaInput input;
  XSD_RETURN_IF_ERROR(TorchCall("llama step runner: step inputs", [&]() -> absl::Status {
    const at::Tensor past = bucket->staged.narrow(0, 2 * t, 1);
    input.tokens = bucket->staged.narrow(0, 0, t);
    input.positions = bucket->staged.narrow(0, t, t);
    input.write_rows = bucket->row_offsets + past;
    // Cache row c is visible to row i when c < past, or c = past + j with
    // mask[i][j] set; everything else (rows not yet written) is masked.
    const at::Tensor among = bucket->staged.narrow(0, 2 * t + 1, t * t).view({t, t}).ne(0);
    const at::Tensor rel = bucket->span_index - past;  // [S]
    const at::Tensor in_new = rel.ge(0).logical_and(rel.lt(t));
    const at::Tensor picked = among.index_select(1, rel.clamp(0, t - 1));  // [T, S]
    const at::Tensor allowed =
        picked.logical_and(in_new.unsqueeze(0)).logical_or(bucket->span_index.lt(past).unsqueeze(0));
    at::Tensor bias = at::zeros({t, span}, at::TensorOptions().dtype(model_->dtype()).device(model_->device()))
                          .masked_fill_(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    const int group = model_->config().group_size();
    input.attention_bias = group == 1 ? bias : bias.repeat({group, 1});
    return absl::OkStatus();
  }));
  input.logits = LogitsRows::kAll;
  return model_->Forward(input, cache_);
}

absl::StatusOr<LlamaOutput> LlamaStepRunner::Forward(const LlamaStepInput& input) {
  const int rows = input.device_tokens.defined() ? static_cast<int>(input.device_tokens.numel())
                                                 : static_cast<int>(input.tokens.size());
  if (rows < 1) return absl::InvalidArgumentError("llama step runner: no rows");
  if (!input.device_tokens.defined() == input.tokens.empty()) {
    return absl::InvalidArgumentError("llama step runner: give exactly one of tokens and device_tokens");
  }
  if (static_cast<int>(input.positions.size()) != rows) {
    return absl::InvalidArgumentError(absl::StrCat("llama step runner: ", input.positions.size(), " positions for ",
                                                   rows, " rows"));
  }
  if (!input.tree_mask.empty() && input.tree_mask.size() != static_cast<size_t>(rows) * rows) {
    return absl::InvalidArgumentError(absl::StrCat("llama step runner: tree mask of ", input.tree_mask.size(),
                                                   " entries for ", rows, " rows (want rows * rows)"));
  }
  for (int64_t p : input.positions) {
    if (p < 0 || p >= model_->max_positions()) {
      return absl::OutOfRangeError(absl::StrCat("llama step runner: position ", p, " outside the rotary table [0, ",
                                                model_->max_positions(), ")"));
    }
  }
  if (!Handles(rows)) {
    return absl::OutOfRangeError(absl::StrCat("llama step runner: ", rows, " rows after ", cache_->length(),
                                              " are not served (max_rows ", options_.max_rows, ", capacity ",
                                              cache_->capacity(), ")"));
  }
  XSD_ASSIGN_OR_RETURN(Bucket * bucket, GetBucket(rows, SpanBucket(cache_->length(), rows)));
  XSD_RETURN_IF_ERROR(Stage(input, bucket));
  ++bucket->runs;
  LlamaOutput full;
  const bool replay = options_.cuda_graphs && bucket->runs >= 2;
  if (replay) {
    if (bucket->graph == nullptr) {
      LlamaOutput captured;
      XSD_ASSIGN_OR_RETURN(bucket->graph, CudaGraph::Capture(model_->device(), &pool_, [&]() -> absl::Status {
        XSD_ASSIGN_OR_RETURN(captured, RunStatic(bucket));
        return absl::OkStatus();
      }));
      bucket->captured = std::move(captured);
      ++graphs_captured_;
    }
    XSD_RETURN_IF_ERROR(bucket->graph->Replay());
    ++replays_;
    full = bucket->captured;
  } else {
    XSD_ASSIGN_OR_RETURN(full, RunStatic(bucket));
  }
  if (!replay) return full;
  return TorchCall("llama step runner: outputs", [&]() -> absl::StatusOr<LlamaOutput> {
    // Graph outputs are overwritten by the next replay: hand out copies of
    // what callers keep (hidden states), the buffer of what they read at once.
    LlamaOutput out;
    out.hidden = full.hidden.clone();
    out.input_embeds = full.input_embeds.clone();
    out.logits = full.logits;
    return out;
  });
}

absl::StatusOr<std::unique_ptr<LlamaStepRunner>> MakeLlamaStepRunner(LlamaStepMode mode, const LlamaModel* model,
                                                                     KvCache* cache) {
  LlamaStepRunnerOptions options;
  switch (mode) {
    case LlamaStepMode::kEager:
      return std::unique_ptr<LlamaStepRunner>();
    case LlamaStepMode::kAuto:
      if (!(model->device().is_cuda() && CudaGraphsSupported())) return std::unique_ptr<LlamaStepRunner>();
      break;
    case LlamaStepMode::kStatic:
      options.cuda_graphs = false;
      break;
    case LlamaStepMode::kGraphs:
      break;
  }
  return LlamaStepRunner::Create(model, cache, options);
}

}  // namespace xsd

namespace xsd {

absl::StatusOr<LlamaOutput> RunLlamaStep(const LlamaModel& model, KvCache* cache, LlamaStepRunner* runner,
                                         const LlamaStepInput& input, LogitsRows logits) {
  const int rows = input.device_tokens.defined() ? static_cast<int>(input.device_tokens.numel())
                                                 : static_cast<int>(input.tokens.size());
  LlamaOutput out;
  if (runner != nullptr && runner->Handles(rows)) {
    XSD_ASSIGN_OR_RETURN(out, runner->Forward(input));
    if (logits == LogitsRows::kLast) out.logits = out.logits.narrow(0, rows - 1, 1);
    if (logits == LogitsRows::kNone) out.logits = at::Tensor();
    return out;
  }
  LlamaInput plain;
  if (input.device_tokens.defined()) {
    plain.tokens = input.device_tokens;
  } else {
    XSD_ASSIGN_OR_RETURN(plain.tokens, TokensTensor(input.tokens, model.device()));
  }
  XSD_ASSIGN_OR_RETURN(plain.positions, PositionsTensor(input.positions, model.device()));
  if (!input.tree_mask.empty()) {
    if (input.tree_mask.size() != static_cast<size_t>(rows) * rows) {
      return absl::InvalidArgumentError(absl::StrCat("llama step: tree mask of ", input.tree_mask.size(),
                                                     " entries for ", rows, " rows (want rows * rows)"));
    }
    XSD_RETURN_IF_ERROR(TorchCall("llama step: tree mask", [&]() -> absl::Status {
      plain.tree_mask = at::tensor(input.tree_mask, at::TensorOptions().dtype(at::kByte))
                            .reshape({rows, rows})
                            .to(model.device(), at::kBool);
      return absl::OkStatus();
    }));
  }
  plain.logits = logits;
  return model.Forward(plain, cache);
}

}  // namespace xsd
