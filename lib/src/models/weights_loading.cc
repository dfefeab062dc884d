#include "xsd/models/weights_loading.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/logging.h"

namespace xsd {

absl::Status CheckUnexpectedWeights(const WeightSource& source, const UnexpectedWeightsPolicy& policy,
                                    const std::string& what) {
  std::vector<std::string> unexpected;
  for (const std::string& name : source.Untaken()) {
    bool ignored = false;
    for (const std::string& p : policy.ignore_prefixes) ignored = ignored || absl::StartsWith(name, p);
    for (const std::string& s : policy.ignore_suffixes) ignored = ignored || absl::EndsWith(name, s);
    if (!ignored) unexpected.push_back(name);
  }
  if (unexpected.empty()) return absl::OkStatus();
  constexpr size_t kShown = 8;
  const size_t shown = std::min(kShown, unexpected.size());
  std::string message = absl::StrCat(what, ": ", unexpected.size(), " unexpected tensor(s) nobody loaded: ",
                                     absl::StrJoin(unexpected.begin(), unexpected.begin() + shown, ", "),
                                     unexpected.size() > shown ? ", ..." : "");
  if (policy.fail) return absl::InvalidArgumentError(message);
  XSD_LOG(WARNING) << message;
  return absl::OkStatus();
}

}  // namespace xsd
