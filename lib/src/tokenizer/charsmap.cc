#include "tokenizer/charsmap.h"

#include "absl/strings/str_cat.h"

namespace xsd::tokenizer_internal {
namespace {

// darts-clone unit layout (32 bits): bits 0-7 label, bit 8 "has a leaf child",
// bit 9 offset scale, bits 10-30 offset, bit 31 "this unit is a leaf"; a leaf
// unit holds its value in bits 0-30.
bool HasLeaf(uint32_t unit) { return ((unit >> 8) & 1) == 1; }
uint32_t Value(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t Label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
uint32_t Offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

uint32_t ReadLittleEndian32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}

// SentencePiece collects at most this many matches per position and keeps the
// longest of those.
constexpr int kMaxMatches = 32;

}  // namespace

absl::StatusOr<CharsMap> CharsMap::Create(absl::string_view blob, const std::string& source) {
  if (blob.size() <= 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": normalizer_spec.precompiled_charsmap is ", blob.size(), " bytes, too short"));
  }
  const uint32_t trie_bytes = ReadLittleEndian32(blob.data());
  if (trie_bytes == 0 || trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": normalizer_spec.precompiled_charsmap: trie size ",
                                                   trie_bytes, " does not fit the ", blob.size(), "-byte blob"));
  }
  CharsMap map;
  map.source_ = source;
  map.units_.resize(trie_bytes / 4);
  for (size_t i = 0; i < map.units_.size(); ++i) map.units_[i] = ReadLittleEndian32(blob.data() + 4 + 4 * i);
  map.pool_ = std::string(blob.substr(4 + trie_bytes));
  // Every rule value must point into the pool, checked here so that a model
  // that loads never fails later in Encode. A lookup that matches the unit at
  // index q (a non-leaf unit with "has a leaf child") reads its value from the
  // unit at q ^ Offset(units[q]), so checking every such q covers every
  // reachable rule, whatever path leads to it.
  for (size_t q = 0; q < map.units_.size(); ++q) {
    const uint32_t unit = map.units_[q];
    if ((unit >> 31) != 0 || !HasLeaf(unit)) continue;
    const size_t leaf = q ^ Offset(unit);
    if (leaf >= map.units_.size()) continue;  // LongestPrefix stops before reading it
    const uint32_t value = Value(map.units_[leaf]);
    if (value >= map.pool_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": normalizer_spec.precompiled_charsmap: rule value ",
                                                     value, " (trie unit ", leaf, ") outside the ",
                                                     map.pool_.size(), "-byte string pool"));
    }
  }
  return map;
}

absl::StatusOr<CharsMap::Match> CharsMap::LongestPrefix(absl::string_view input) const {
  Match best;
  int found = 0;
  size_t pos = Offset(units_[0]);
  for (size_t i = 0; i < input.size(); ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    pos ^= c;
    if (pos >= units_.size()) break;  // outside the array: no key continues here
    const uint32_t unit = units_[pos];
    if (Label(unit) != c) break;
    pos ^= Offset(unit);
    if (pos >= units_.size()) break;
    if (HasLeaf(unit)) {
      if (found++ >= kMaxMatches) continue;
      const uint32_t value = Value(units_[pos]);
      if (value >= pool_.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_, ": normalizer_spec.precompiled_charsmap: rule value ", value, " outside the string pool"));
      }
      // The pool holds NUL-terminated strings; the last one may lack its NUL.
      const size_t end = pool_.find('\0', value);
      best.consumed = i + 1;
      best.replacement = absl::string_view(pool_).substr(value, end == std::string::npos ? end : end - value);
    }
  }
  return best;
}

}  // namespace xsd::tokenizer_internal
