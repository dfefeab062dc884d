// The tensor-core chunk pass of the cached attention (attention_mma.cu),
// for cached_attention.cu: it writes each chunk's partial (max, sum,
// unnormalised output) to the workspace, and cached_attention.cu's combine
// kernel finishes the rows. Internal to the kernels.
#pragma once

#include <cuda_runtime.h>

#include "llama_kernels.h"

namespace xsd::kernels {

inline constexpr int kMmaAttentionChunk = 64;  // keys per pass

// Consecutive chunks one block takes in turn (a part), with a running
// maximum, sum and output (the next chunk's keys and values load during
// this one's passes): fixed, never per row count or span, so one numerics
// for every step. Measured on an H100 (docs/PERFORMANCE.md run 14), 7B
// decode step 5.58-5.63 ms with two, 5.65 with three, 5.68-5.71 with four
// and 6.03-6.09 with one (1 152 blocks at a 2 304-key span, 576 with two);
// verify of 9 rows (run as 16) 6.56-6.66 with four, 6.73 with two.
inline constexpr int kMmaAttentionChunksPerBlock = 2;

// Launches one block per (part of kMmaAttentionChunksPerBlock chunks of
// kMmaAttentionChunk keys, KV head), parts = ceil(chunks / chunks per
// block); the shape must pass CachedAttentionOnTensorCores. Each block
// leaves its part's partial for the combine kernel. nullptr or an error
// string.
const char* LaunchMmaAttentionChunks(const CachedAttentionArgs& a, int parts, cudaStream_t stream);

}  // namespace xsd::kernels
