// Process-wide numerics of the model kernels.
//
// Row-invariant numerics: every row of a forward is computed with the same
// instructions in the same order whatever the other rows of the call, so a
// verify forward of γ + 1 rows gives each row the bits of the decode step
// that would have produced it, and greedy speculative output equals the
// target's own greedy output token for token even at bf16 near-ties (on the
// H200 at 7B shapes: 18 of 18 requests identical instead of 9, and planted
// 100 % drafts all accepted; docs/PERFORMANCE.md runs 6-8). It costs verify
// speed: Linear layers of up to 64 rows run the one-row GEMV kernel (CUDA
// cores, 8 rows per pass) instead of cuBLAS — or, with XSD_SKINNY_GEMM=1, a
// tensor-core kernel with the same property (1.97x at planted 100 %, run
// 7) —, and attention over the cache runs one kernel for every row count
// (tensor cores for bf16/fp16 at head dim 128, else the decode kernel).
// Effective in CUDA builds with libxsd's kernels (bf16 for the GEMV);
// elsewhere it changes nothing.
//
// Off by default, or on when the environment has XSD_ROW_INVARIANT=1; the
// setter overrides the environment. Read at every forward: set it before
// building pipelines (CUDA graphs keep the kernels they captured).
#pragma once

namespace xsd {

void SetRowInvariantNumerics(bool on);
bool RowInvariantNumerics();

}  // namespace xsd
