// The pipeline config's numerics and kernel seams (proto/xsd/pipeline.proto:
// PipelineConfig.numerics, PipelineConfig.kernels) as the models take them
// (xsd/models/kernel_options.h), and back: xsd_bench writes its
// --numerics / --kernel_options flags into every config it builds.
#pragma once

#include "xsd/models/kernel_options.h"
#include "xsd/pipeline.pb.h"

namespace xsd {

KernelOptions KernelOptionsFromConfig(const config::PipelineConfig& pipeline);
// Sets pipeline.numerics and every field of pipeline.kernels from `options`.
void SetKernelConfig(const KernelOptions& options, config::PipelineConfig* pipeline);

}  // namespace xsd
