// Registry glue of the drafters module: the "eagle" drafter (EAGLE-1 head,
// chains and EAGLE-2 trees). Called from RegisterBuiltinComponents.
#pragma once

#include "xsd/config/registry.h"

namespace xsd {

void RegisterDrafterComponents(Registry& registry);

}  // namespace xsd
