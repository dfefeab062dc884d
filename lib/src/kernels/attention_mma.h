// The tensor-core chunk pass of the cached attention (attention_mma.cu),
// for cached_attention.cu: it writes each chunk's partial (max, sum,
// unnormalised output) to the workspace, and cached_attention.cu's combine
// kernel finishes the rows. Internal to the kernels.
#pragma once

#include <cuda_runtime.h>

#include "llama_kernels.h"

namespace xsd::kernels {

inline constexpr int kMmaAttentionChunk = 64;  // keys per block

// Launches one block per (chunk of kMmaAttentionChunk keys, KV head); the
// shape must pass CachedAttentionOnTensorCores. nullptr or an error string.
const char* LaunchMmaAttentionChunks(const CachedAttentionArgs& a, int chunks, cudaStream_t stream);

}  // namespace xsd::kernels
