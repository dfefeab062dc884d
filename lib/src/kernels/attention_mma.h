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
// for every step. An A/B of issue 17 (a build-time define while it is
// measured: tools/gpu/skinny_ab.sh build:-DXSD_MMA_ATTENTION_CHUNKS_PER_BLOCK=N).
#ifndef XSD_MMA_ATTENTION_CHUNKS_PER_BLOCK
#define XSD_MMA_ATTENTION_CHUNKS_PER_BLOCK 1
#endif
inline constexpr int kMmaAttentionChunksPerBlock = XSD_MMA_ATTENTION_CHUNKS_PER_BLOCK;
static_assert(kMmaAttentionChunksPerBlock >= 1, "a part has at least one chunk");

// Launches one block per (part of kMmaAttentionChunksPerBlock chunks of
// kMmaAttentionChunk keys, KV head), parts = ceil(chunks / chunks per
// block); the shape must pass CachedAttentionOnTensorCores. Each block
// leaves its part's partial for the combine kernel. nullptr or an error
// string.
const char* LaunchMmaAttentionChunks(const CachedAttentionArgs& a, int parts, cudaStream_t stream);

}  // namespace xsd::kernels
