#include "xsd/adapters/adapter_spec.h"

#include <algorithm>

#include "xsd_catch.h"

namespace xsd {
namespace {

// The published parameter counts of the trained adapters at d = 4096
// (FACTS.md §3). The parameter lists are the ones LoadAdapter loads.
TEST_CASE("Adapter parameter counts at d = 4096 match the research adapters", "[adapters]") {
  const AdapterDims d;  // defaults are the 7B dimensions
  CHECK(AdapterParameterCount(AdapterKind::kL1, d) == 2113537);
  CHECK(AdapterParameterCount(AdapterKind::kL2, d) == 6324227);
  CHECK(AdapterParameterCount(AdapterKind::kL3, d) == 25188355);
  CHECK(AdapterParameterCount(AdapterKind::kL4, d) == 100714497);
  CHECK(AdapterParameterCount(AdapterKind::kL5, d) == 102819841);
  CHECK(AdapterParameterCount(AdapterKind::kB1, d) == 102819841);
  CHECK(AdapterParameterCount(AdapterKind::kL5F, d) == 169936897);
  CHECK(AdapterParameterCount(AdapterKind::kIdentity, d) == 0);
}

TEST_CASE("Adapter kinds parse by name; unknown names list the known ones", "[adapters]") {
  auto k = ParseAdapterKind("L5F");
  REQUIRE(k.ok());
  CHECK(*k == AdapterKind::kL5F);
  auto bad = ParseAdapterKind("L9");
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("L1, L2, L3, L4, L5, B1, L5F") != std::string::npos);
}

TEST_CASE("Parameter names follow the research state_dict", "[adapters]") {
  AdapterDims d;
  auto names = [&](AdapterKind k) {
    std::vector<std::string> out;
    for (const auto& p : AdapterParameters(k, d)) out.push_back(p.name);
    return out;
  };
  const auto l4 = names(AdapterKind::kL4);
  CHECK(std::find(l4.begin(), l4.end(), "layers.0.attn.in_proj_weight") != l4.end());
  CHECK(std::find(l4.begin(), l4.end(), "output_proj.1.weight") != l4.end());
  const auto l5f = names(AdapterKind::kL5F);
  CHECK(std::find(l5f.begin(), l5f.end(), "gate.0.weight") != l5f.end());
  CHECK(std::find(l5f.begin(), l5f.end(), "pos_embed") != l5f.end());
  const auto l3 = names(AdapterKind::kL3);
  CHECK(std::find(l3.begin(), l3.end(), "alphas.2") != l3.end());
  CHECK(std::find(l3.begin(), l3.end(), "blocks.2.4.weight") != l3.end());
}

}  // namespace
}  // namespace xsd
