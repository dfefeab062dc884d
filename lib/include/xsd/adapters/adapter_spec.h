// The hidden-state adapters of the research pipeline (FACTS.md §3), by kind,
// with their dimensions and the exact list of parameters each one has.
//
// Parameter names are the research code's state_dict keys (its
// torch.save(model_state_dict) checkpoints convert to safetensors with the
// same names: tools/convert_adapter_checkpoint.py), so one list serves
// loading, random initialisation and the parameter counts that tests check
// against the published figures (L1 2 113 537 ... L5F 169 936 897 at d=4096).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xsd/core/param_spec.h"

namespace xsd {

enum class AdapterKind { kIdentity, kL1, kL2, kL3, kL4, kL5, kB1, kL5F };

const char* AdapterKindName(AdapterKind kind);
// "identity", "L1" ... "L5F" (case-sensitive); unknown names list the known ones.
absl::StatusOr<AdapterKind> ParseAdapterKind(const std::string& name);

struct AdapterDims {
  int hidden = 4096;           // d, drafter and target hidden width
  int bottleneck = 256;        // L1, L2
  int l2_blocks = 3;
  int wide_bottleneck = 1024;  // L3
  int l3_blocks = 3;           // the trained L3 had 3 blocks (FACTS.md §3)
  int heads = 8;               // L4, L5, B1, L5F attention
  int ffn = 2048;
  int max_positions = 512;     // L5, B1, L5F positional table
  double layer_norm_eps = 1e-5;
};


// Every parameter of `kind`, in a fixed order.
std::vector<ParamSpec> AdapterParameters(AdapterKind kind, const AdapterDims& dims);
int64_t AdapterParameterCount(AdapterKind kind, const AdapterDims& dims);

}  // namespace xsd
