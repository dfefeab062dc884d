#include "tokenizer/bpe_segmenter.h"

#include <algorithm>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "tokenizer/utf8.h"

namespace xsd::tokenizer_internal {
namespace {

struct Symbol {
  int prev;
  int next;
  bool frozen;             // a user-defined symbol: never merged
  absl::string_view text;  // view into the normalized text; empty once merged away
};

struct Candidate {
  float score;
  int left;
  int right;
  size_t size;  // bytes of the merged piece; a mismatch later means stale
};

// Priority: higher score first; among equal scores the leftmost pair.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void BpeSegmenter::Encode(absl::string_view normalized, std::vector<TokenId>* ids) const {
  if (normalized.empty()) return;

  std::vector<Symbol> symbols;
  symbols.reserve(normalized.size());
  for (absl::string_view rest = normalized; !rest.empty();) {
    size_t n = user_symbols_->LongestPrefix(rest);
    const bool frozen = n > 0;
    if (!frozen) n = std::min(LeadByteLength(static_cast<unsigned char>(rest[0])), rest.size());
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, rest.size() == n ? -1 : index + 1, frozen, rest.substr(0, n)});
    rest.remove_prefix(n);
  }

  std::priority_queue<Candidate, std::vector<Candidate>, LowerPriority> agenda;
  // For UNUSED pieces: the pair that last proposed each one, to split it back.
  absl::flat_hash_map<absl::string_view, std::pair<absl::string_view, absl::string_view>> unused_parts;

  auto propose = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen) return;
    const absl::string_view merged(symbols[left].text.data(),
                                   symbols[left].text.size() + symbols[right].text.size());
    const TokenId id = model_->MergeableId(merged);
    if (id == kNoToken) return;
    agenda.push(Candidate{model_->piece(id).score, left, right, merged.size()});
    if (model_->piece(id).type == PieceType::kUnused) {
      unused_parts[merged] = {symbols[left].text, symbols[right].text};
    }
  };

  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) propose(i - 1, i);

  while (!agenda.empty()) {
    const Candidate top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[top.left];
    Symbol& right = symbols[top.right];
    // Skip pairs that an earlier merge changed.
    if (left.text.empty() || right.text.empty() || left.text.size() + right.text.size() != top.size) continue;
    left.text = absl::string_view(left.text.data(), top.size);
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    right.text = absl::string_view();
    propose(left.prev, top.left);
    propose(top.left, left.next);
  }

  // Resolve the final symbols to ids, splitting UNUSED pieces back.
  bool prev_unknown = false;
  auto emit = [&](absl::string_view piece, auto&& self) -> void {
    const TokenId id = model_->PieceToId(piece);
    if (model_->piece(id).type == PieceType::kUnused) {
      auto it = unused_parts.find(piece);
      if (it != unused_parts.end()) {
        self(it->second.first, self);
        self(it->second.second, self);
        return;
      }
    }
    const bool unknown = id == model_->unk_id();
    if (unknown && model_->byte_fallback()) {
      for (char c : piece) ids->push_back(model_->byte_id(static_cast<unsigned char>(c)));
    } else if (!(unknown && prev_unknown)) {  // one <unk> per run of unknown characters
      ids->push_back(id);
    }
    prev_unknown = unknown;
  };
  for (int i = 0; i >= 0; i = symbols[i].next) emit(symbols[i].text, emit);
}

}  // namespace xsd::tokenizer_internal
