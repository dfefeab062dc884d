// LlamaStepRunner: the decode and verify steps of one sequence (one model,
// one KV cache) with static shapes, replayed as CUDA graphs on CUDA devices.
//
// A step of T rows (a decode token, or the pending token plus a draft chain or
// tree) runs at exactly its T rows (a padded row would cost as much as a real
// one in every kernel: docs/PERFORMANCE.md) and attends over a span bucket S
// (the committed length plus T, rounded up to span_granule, capped at the
// cache capacity), through LlamaInput's static mode: keys and values go to
// cache rows [L, L + T) through a device index tensor, and an additive bias
// built on the device from L masks the rows not yet written and the tree
// structure. Everything a step reads from the host (token ids, positions, L,
// the tree mask) is packed into one int64 staging buffer and sent in one copy
// before the step, so a (T, S) step is the same sequence of kernels every
// time: the first run of a (T, S) pair runs eagerly (warm-up: cuBLAS and
// attention kernel selection), the second captures it into a CUDA graph, every
// later one replays it (one launch instead of ~1000). The cache rows [0, L +
// T) and the rows' outputs equal the plain forward's (up to the summation
// order of the longer masked span).
//
// Without graphs (cuda_graphs false, or a CPU device) the same static steps
// run eagerly: that is how the CPU tests check the static mode.
//
// Ownership: borrows the model and the cache (both must outlive the runner);
// owns its staging buffers, graphs and their memory pool. One thread at a
// time. The outputs' `hidden` and `input_embeds` are the caller's own
// tensors; `logits` is a view of the bucket's buffer, valid until the next
// Forward.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"
#include "xsd/device/cuda_graph.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_model.h"

namespace xsd {

// How a LLaMA verifier or drafter runs its decode and verify steps.
enum class LlamaStepMode {
  kAuto,    // CUDA graphs on a CUDA device of a CUDA build, else plain forwards
  kEager,   // plain LlamaModel::Forward (shapes follow the sequence)
  kStatic,  // LlamaStepRunner without capture (any device; tests)
  kGraphs,  // LlamaStepRunner with CUDA graphs (a CUDA device is required)
};
const char* LlamaStepModeName(LlamaStepMode mode);
// A config's `cuda_graphs` switch (VerifierConfig / DrafterConfig).
inline LlamaStepMode LlamaStepModeFor(bool cuda_graphs) {
  return cuda_graphs ? LlamaStepMode::kAuto : LlamaStepMode::kEager;
}

struct LlamaStepRunnerOptions {
  bool cuda_graphs = true;  // capture and replay (CUDA devices only)
  int max_rows = 64;        // the most rows a step may have; larger steps are not handled
  int span_granule = 256;   // attention spans are multiples of this (capped at capacity)
};

struct LlamaStepInput {
  std::vector<TokenId> tokens;     // host ids [T]; or empty when
  at::Tensor device_tokens;        // int64 [T] on the model's device is given (fed-back argmax)
  std::vector<int64_t> positions;  // [T]
  std::vector<uint8_t> tree_mask;  // [T*T] row-major, 1 = row i sees row j; empty: causal
};

class LlamaStepRunner {
 public:
  static absl::StatusOr<std::unique_ptr<LlamaStepRunner>> Create(const LlamaModel* model, KvCache* cache,
                                                                 const LlamaStepRunnerOptions& options);
  ~LlamaStepRunner();

  // Whether a step of `rows` rows after the cache's current length is
  // served: rows <= max_rows and the rows fit the cache.
  bool Handles(int rows) const;
  // The rows at cache rows [cache.length(), + T), cursor not moved; logits of
  // every row. Same contract as LlamaModel::Forward otherwise.
  absl::StatusOr<LlamaOutput> Forward(const LlamaStepInput& input);

  int graphs_captured() const { return graphs_captured_; }
  int64_t replays() const { return replays_; }

 private:
  struct Bucket;
  LlamaStepRunner(const LlamaModel* model, KvCache* cache, const LlamaStepRunnerOptions& options);
  int SpanBucket(int past, int rows) const;
  absl::StatusOr<Bucket*> GetBucket(int rows, int span);
  absl::Status Stage(const LlamaStepInput& input, Bucket* bucket);
  absl::StatusOr<LlamaOutput> RunStatic(Bucket* bucket);

  const LlamaModel* model_;
  KvCache* cache_;
  LlamaStepRunnerOptions options_;
  CudaGraphPool pool_;  // before the buckets: outlives their graphs
  std::map<std::pair<int, int>, std::unique_ptr<Bucket>> buckets_;
  at::Tensor host_staging_;  // int64, pinned on CUDA
  DeviceFence staging_fence_;
  int graphs_captured_ = 0;
  int64_t replays_ = 0;
};

// How a sequence's decode and verify steps ran, as values (never a pointer to
// a runner that plain forwards do not have): through a step runner (static
// shapes; CUDA graphs once captured) or as plain forwards (all zero).
struct LlamaStepCounts {
  bool static_steps = false;  // a step runner serves the steps
  int graphs_captured = 0;
  int64_t replays = 0;
};
inline LlamaStepCounts CountSteps(const LlamaStepRunner* runner) {
  if (runner == nullptr) return {};
  return {true, runner->graphs_captured(), runner->replays()};
}

}  // namespace xsd

namespace xsd {

// The runner `mode` asks for over `model` and `cache`, with default options;
// null for kEager, and for kAuto off CUDA. kGraphs without CUDA is an error.
absl::StatusOr<std::unique_ptr<LlamaStepRunner>> MakeLlamaStepRunner(LlamaStepMode mode, const LlamaModel* model,
                                                                     KvCache* cache);

}  // namespace xsd

namespace xsd {

// One decode / verify step: through `runner` when it is set and handles the
// rows, else through the plain LlamaModel::Forward (inputs copied to the
// device, tree mask built). `logits`: kAll or kLast (the last row only).
// Written once for the LLaMA verifier, the LLaMA drafter and EventGPT.
absl::StatusOr<LlamaOutput> RunLlamaStep(const LlamaModel& model, KvCache* cache, LlamaStepRunner* runner,
                                         const LlamaStepInput& input, LogitsRows logits);

}  // namespace xsd
