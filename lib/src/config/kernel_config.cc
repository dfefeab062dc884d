#include "xsd/config/kernel_config.h"

namespace xsd {
namespace {

AttentionPath FromProto(config::AttentionPath path) {
  switch (path) {
    case config::ATTENTION_KERNEL: return AttentionPath::kKernel;
    case config::ATTENTION_SDPA: return AttentionPath::kSdpa;
    case config::ATTENTION_MATH: return AttentionPath::kMath;
    default: return AttentionPath::kAuto;
  }
}

config::AttentionPath ToProto(AttentionPath path) {
  switch (path) {
    case AttentionPath::kKernel: return config::ATTENTION_KERNEL;
    case AttentionPath::kSdpa: return config::ATTENTION_SDPA;
    case AttentionPath::kMath: return config::ATTENTION_MATH;
    case AttentionPath::kAuto: break;
  }
  return config::ATTENTION_AUTO;
}

}  // namespace

KernelOptions KernelOptionsFromConfig(const config::PipelineConfig& pipeline) {
  KernelOptions o;
  o.numerics = pipeline.numerics() == config::NUMERICS_ROW_INVARIANT ? Numerics::kRowInvariant : Numerics::kFast;
  const config::KernelConfig& k = pipeline.kernels();
  o.gemv = k.gemv();
  o.silu_gemv = k.silu_gemv();
  o.silu_kernel = k.silu_kernel();
  o.rope_kernel = k.rope_kernel();
  o.qkv_rope = k.qkv_rope();
  o.prefill_bucket = k.prefill_bucket();
  o.attention_path = FromProto(k.attention_path());
  return o;
}

void SetKernelConfig(const KernelOptions& o, config::PipelineConfig* pipeline) {
  pipeline->set_numerics(o.row_invariant() ? config::NUMERICS_ROW_INVARIANT : config::NUMERICS_FAST);
  config::KernelConfig* k = pipeline->mutable_kernels();
  k->set_gemv(o.gemv);
  k->set_silu_gemv(o.silu_gemv);
  k->set_silu_kernel(o.silu_kernel);
  k->set_rope_kernel(o.rope_kernel);
  k->set_qkv_rope(o.qkv_rope);
  k->set_prefill_bucket(o.prefill_bucket);
  k->set_attention_path(ToProto(o.attention_path));
}

}  // namespace xsd
