// A Request of the tests: an id and its prompt tokens, nothing else set.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "xsd/core/types.h"

namespace xsd::testing {

inline Request PromptRequest(const std::string& id, std::vector<TokenId> tokens) {
  Request r;
  r.id = id;
  r.prompt_tokens = std::move(tokens);
  return r;
}

}  // namespace xsd::testing
