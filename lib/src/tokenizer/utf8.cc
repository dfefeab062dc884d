#include "tokenizer/utf8.h"

#include <cstdint>

namespace xsd::tokenizer_internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool IsScalarValue(uint32_t cp) { return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF); }

}  // namespace

size_t ValidCharLength(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (n == 0) return 0;
  if (p[0] < 0x80) return 1;
  if ((p[0] & 0xE0) == 0xC0) {
    if (n < 2 || !IsContinuation(p[1])) return 0;
    const uint32_t cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return cp >= 0x80 ? 2 : 0;
  }
  if ((p[0] & 0xF0) == 0xE0) {
    if (n < 3 || !IsContinuation(p[1]) || !IsContinuation(p[2])) return 0;
    const uint32_t cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return cp >= 0x800 && IsScalarValue(cp) ? 3 : 0;
  }
  if ((p[0] & 0xF8) == 0xF0) {
    if (n < 4 || !IsContinuation(p[1]) || !IsContinuation(p[2]) || !IsContinuation(p[3])) return 0;
    const uint32_t cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                        (p[3] & 0x3Fu);
    return cp >= 0x10000 && IsScalarValue(cp) ? 4 : 0;
  }
  return 0;
}

bool IsIncompleteCharPrefix(absl::string_view tail) {
  if (tail.empty()) return false;
  const auto lead = static_cast<unsigned char>(tail[0]);
  // Only the lead bytes that ValidCharLength can accept announce a sequence.
  size_t expected = 0;
  if ((lead & 0xE0) == 0xC0) expected = 2;
  else if ((lead & 0xF0) == 0xE0) expected = 3;
  else if ((lead & 0xF8) == 0xF0) expected = 4;
  if (expected <= tail.size()) return false;
  for (size_t i = 1; i < tail.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(tail[i]))) return false;
  }
  return true;
}

void AppendBytesAsUtf8(absl::string_view bytes, std::string* out) {
  while (!bytes.empty()) {
    const size_t n = ValidCharLength(bytes);
    if (n == 0) {
      out->append(kReplacementChar.data(), kReplacementChar.size());
      bytes.remove_prefix(1);
    } else {
      out->append(bytes.data(), n);
      bytes.remove_prefix(n);
    }
  }
}

}  // namespace xsd::tokenizer_internal
