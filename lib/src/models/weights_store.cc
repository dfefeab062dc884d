#include "xsd/models/weights_store.h"

#include <ATen/ATen.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/torch_status.h"

namespace xsd {

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

std::vector<std::string> StoredWeightSource::Candidates(const std::string& name) const {
  std::vector<std::string> out = {name};
  for (const WeightAlias& alias : options_.aliases) {
    if (!alias.from.empty() && absl::StartsWith(name, alias.from)) {
      std::string renamed = alias.to + name.substr(alias.from.size());
      bool seen = false;
      for (const std::string& c : out) seen = seen || c == renamed;
      if (!seen) out.push_back(std::move(renamed));
    }
  }
  return out;
}

std::string StoredWeightSource::Resolve(const std::string& name) const {
  Stored unused;
  for (const std::string& candidate : Candidates(name)) {
    if (Lookup(candidate, &unused)) return candidate;
  }
  return "";
}

bool StoredWeightSource::Has(const std::string& name) const { return !Resolve(name).empty(); }

absl::StatusOr<at::Tensor> StoredWeightSource::Take(const std::string& name, const std::vector<int64_t>& shape) {
  const std::vector<std::string> candidates = Candidates(name);
  for (const std::string& stored_name : candidates) {
    Stored stored;
    if (!Lookup(stored_name, &stored)) continue;
    if (stored.shape != shape) {
      return absl::InvalidArgumentError(absl::StrCat(stored.file, ": tensor '", stored_name, "': shape ",
                                                     ShapeString(stored.shape), ", expected ", ShapeString(shape)));
    }
    absl::StatusOr<at::Tensor> raw = Read(stored_name);
    if (!raw.ok()) return raw.status();
    absl::StatusOr<at::Tensor> converted =
        TorchCall(absl::StrCat(stored.file, ": tensor '", stored_name, "': converting"), [&]() -> absl::StatusOr<at::Tensor> {
          // No copy when dtype and device already match: weights are never written.
          return raw->to(options_.device, options_.dtype);
        });
    if (!converted.ok()) return converted.status();
    taken_.insert(stored_name);
    return converted;
  }
  std::string also;
  if (candidates.size() > 1) {
    std::vector<std::string> quoted;
    for (size_t i = 1; i < candidates.size(); ++i) quoted.push_back(absl::StrCat("'", candidates[i], "'"));
    also = absl::StrCat(" (also tried ", absl::StrJoin(quoted, ", "), ")");
  }
  return absl::NotFoundError(absl::StrCat("tensor '", name, "' not found", also, "; searched: ", Describe()));
}

std::vector<std::string> StoredWeightSource::Untaken() const {
  std::vector<std::string> out;
  for (const std::string& name : StoredNames()) {  // sorted
    if (taken_.count(name) == 0) out.push_back(name);
  }
  return out;
}

}  // namespace xsd
