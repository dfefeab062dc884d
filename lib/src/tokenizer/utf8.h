// UTF-8 helpers with SentencePiece's exact rules: which byte sequences count
// as one valid character decides where BPE starts, what the normalizer
// replaces with U+FFFD, and how byte-fallback pieces are reassembled.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace xsd::tokenizer_internal {

inline constexpr absl::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD
inline constexpr absl::string_view kSpaceSymbol = "\xE2\x96\x81";      // U+2581

// Length of the character that starts with `lead`, judged from the lead byte
// alone (1 for ASCII and stray continuation bytes, 2/3/4 for lead bytes).
// Callers clamp it to the bytes left.
inline size_t LeadByteLength(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Length of the character at the start of `s` (non-empty) if it is valid
// UTF-8 (shortest form, no surrogates, at most U+10FFFF), else 0. A literal
// U+FFFD counts as valid.
size_t ValidCharLength(absl::string_view s);

// True when `tail` (1 to 3 bytes) is the beginning of a multi-byte character
// that more bytes could still complete: a lead byte announcing more bytes than
// present, followed only by continuation bytes.
bool IsIncompleteCharPrefix(absl::string_view tail);

// Appends `bytes` decoded character by character: valid characters verbatim,
// every byte that starts no valid character as U+FFFD.
void AppendBytesAsUtf8(absl::string_view bytes, std::string* out);

}  // namespace xsd::tokenizer_internal
