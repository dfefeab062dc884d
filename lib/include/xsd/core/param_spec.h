// ParamSpec: one parameter of a module as its checkpoint names it, with its
// shape and how a fresh one is initialised (the research's adapters, the
// checkpoint presets): what random writers draw and trainers start from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xsd {

struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;  // {} for a scalar
  // kNormal: normal(0, 0.02); kAlpha: 0.1 (residual scales); kIdentity: an identity matrix.
  enum class Init { kNormal, kOnes, kZeros, kAlpha, kIdentity } init = Init::kNormal;
};

}  // namespace xsd
