// Greedy acceptance: the longest draft path that matches the target's argmax,
// plus the target's argmax after it.
#include "absl/strings/str_cat.h"
#include "xsd/core/acceptance.h"

namespace xsd {
namespace {

class GreedyAcceptance final : public AcceptancePolicy {
 public:
  const SamplingParams& sampling() const override { return params_; }
  bool needs_target_logits() const override { return false; }

  absl::StatusOr<AcceptResult> Accept(const Draft& draft, const TargetOutput& target, Rng*) const override {
    if (target.rows != draft.size() + 1 || static_cast<int>(target.argmax.size()) != target.rows) {
      return absl::InvalidArgumentError(absl::StrCat("greedy acceptance: target has ", target.rows,
                                                     " rows for a draft of ", draft.size(), " nodes"));
    }
    AcceptResult result;
    int32_t node = -1;  // the pending token
    while (true) {
      const TokenId want = target.argmax[node + 1];
      int32_t next_node = -1;
      for (int32_t i = node + 1; i < draft.size(); ++i) {  // children come after their parent
        if (draft.parents[i] == node && draft.tokens[i] == want) {
          next_node = i;
          break;
        }
      }
      if (next_node < 0) {
        result.next = want;
        return result;
      }
      result.path.push_back(next_node);
      node = next_node;
    }
  }

 private:
  SamplingParams params_;  // greedy: temperature 0
};

}  // namespace

std::unique_ptr<AcceptancePolicy> MakeGreedyAcceptance() { return std::make_unique<GreedyAcceptance>(); }

}  // namespace xsd
