// What a multimodal model (Video-LLaVA, EventGPT) is loaded with beside its
// checkpoint: its language model's numerics and kernel seams, and whether its
// vision tower replays CUDA graphs (the pipeline config's vision_cuda_graphs).
#pragma once

#include "xsd/models/kernel_options.h"

namespace xsd {

struct MultimodalModelOptions {
  KernelOptions kernel_options;    // LlamaModelOptions::kernel_options of the language model
  bool vision_cuda_graphs = true;  // ClipVisionTower::Load's cuda_graphs
};

}  // namespace xsd
