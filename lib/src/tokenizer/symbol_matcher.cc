#include "tokenizer/symbol_matcher.h"

#include <algorithm>

namespace xsd::tokenizer_internal {

SymbolMatcher::SymbolMatcher(const std::vector<std::string>& symbols) {
  for (const std::string& s : symbols) {
    if (!s.empty()) by_first_byte_[static_cast<unsigned char>(s[0])].push_back(s);
  }
  for (auto& [byte, list] : by_first_byte_) {
    std::sort(list.begin(), list.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
  }
}

size_t SymbolMatcher::LongestPrefix(absl::string_view text) const {
  if (text.empty()) return 0;
  auto it = by_first_byte_.find(static_cast<unsigned char>(text[0]));
  if (it == by_first_byte_.end()) return 0;
  for (const std::string& s : it->second) {
    if (absl::StartsWith(text, s)) return s.size();
  }
  return 0;
}

}  // namespace xsd::tokenizer_internal
