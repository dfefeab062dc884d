// How the LLaMA layers compute: the numerics, which a user chooses (the
// pipeline config's `numerics`), and the kernel seams that tests and
// diagnostics turn (the pipeline config's `kernels`, xsd_bench and
// xsd_llm_perf's --kernel_options). A LlamaModel holds one KernelOptions,
// fixed at Load and passed down to every layer; nothing reads the
// environment. Both are printed in the bench's run header and JSON.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace xsd {

enum class Numerics {
  // Not exact: each call takes its fastest kernels (the GEMV and the decode
  // attention kernel at one row, cuBLAS and matmul + softmax for verify
  // rows). In bf16 a verify row and a decode step round differently, so
  // greedy speculative output can part from the target's own at near-ties.
  // An explicit choice, recorded in the bench's run header.
  kFast,
  // Every row is computed with the same instructions in the same order
  // whatever the other rows of the call (Linear layers of up to 64 rows on a
  // tensor-core skinny GEMM, one row included; attention over the cache on
  // one kernel for every row count): a verify row has the bits of the decode
  // step that would have produced it, so greedy SD equals greedy AR token for
  // token. The default. Decode 5.61 vs 5.58 ms at 7B on an H100 (run 14;
  // on the H200 ~5.0 vs ~4.2 ms with the kernels of run 11), verify of a
  // few rows at about one step (docs/PERFORMANCE.md). Where it holds: bf16
  // on CUDA with libxsd's kernels, and every CPU tensor in float32, bf16 or
  // float16 (each output a float32 sum in one fixed order, computed alone:
  // lib/src/models/row_invariant_cpu.h). CUDA float32 and float16 Linear
  // layers still run cuBLAS as in kFast. Calls of more than 64 rows
  // (prefills) and calls under autograd take the kFast kernels.
  kRowInvariant,
};

// Which implementation attends over the KV cache (AttendCached).
enum class AttentionPath {
  kAuto,    // by row count and numerics (xsd/models/attention.h)
  kKernel,  // libxsd's kernel (falls back to math where it does not fit)
  kSdpa,    // at::scaled_dot_product_attention (libtorch 2.x)
  kMath,    // matmul + softmax
};

struct KernelOptions {
  Numerics numerics = Numerics::kRowInvariant;  // exact by default
  // Seams: each false runs the ATen formula (or the unfused kernels) instead,
  // for the kernel-vs-ATen tests and A/B diagnostics. The defaults are the
  // measured product (docs/PERFORMANCE.md).
  bool gemv = true;            // bf16 GEMV for one-row Linear layers
  bool silu_gemv = true;       // gate/up GEMV with SiLU·up at one row
  bool silu_kernel = true;     // SiLU·up kernel for several rows
  bool rope_kernel = true;     // rotary + cache write kernel
  bool qkv_rope = true;        // qkv GEMV + rotary + cache write at one row
  bool prefill_bucket = true;  // causal prefill attention over rows rounded up to 64 (CUDA SDPA)
  AttentionPath attention_path = AttentionPath::kAuto;

  bool row_invariant() const { return numerics == Numerics::kRowInvariant; }
  bool operator==(const KernelOptions& other) const;
  bool operator!=(const KernelOptions& other) const { return !(*this == other); }
};

const char* NumericsName(Numerics numerics);            // "fast", "row_invariant"
absl::StatusOr<Numerics> ParseNumerics(absl::string_view name);
const char* AttentionPathName(AttentionPath path);      // "auto", "kernel", "sdpa", "math"
absl::StatusOr<AttentionPath> ParseAttentionPath(absl::string_view name);

// Every field, "numerics=fast gemv=1 silu_gemv=1 ... attention_path=auto":
// run headers, model-sharing keys.
std::string KernelOptionsString(const KernelOptions& options);
// "gemv=0,attention_path=math" (commas or spaces between name=value pairs;
// booleans 0/1/true/false): `base` with the named fields changed. Errors name
// the pair.
absl::StatusOr<KernelOptions> ParseKernelOptions(absl::string_view text, KernelOptions base = {});

}  // namespace xsd
