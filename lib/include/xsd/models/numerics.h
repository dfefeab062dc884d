// Process-wide numerics of the model kernels.
//
// Row-invariant numerics: every row of a forward is computed with the same
// instructions in the same order whatever the other rows of the call, so a
// verify forward of γ + 1 rows gives each row the bits of the decode step
// that would have produced it, and greedy speculative output equals the
// target's own greedy output token for token even at bf16 near-ties (on the
// H200 at 7B shapes: 18 of 18 requests identical instead of 9, and planted
// 100 % drafts all accepted; docs/PERFORMANCE.md runs 6-8). It costs verify
// speed: Linear layers of up to 64 rows run a tensor-core skinny GEMM
// whose rows do not depend on each other instead of cuBLAS, for every row
// count, one included (the decode step: ~5.0 instead of ~4.2 ms at 7B; with
// XSD_SKINNY_GEMM=0 the one-row GEMV kernel in slices of 8 rows, whose
// verify is slower), and attention over the cache runs one kernel for every
// row count (tensor cores for bf16/fp16 at head dim 128, else the decode
// kernel). Planted 100 % drafts: 2.17x (docs/PERFORMANCE.md run 11).
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
