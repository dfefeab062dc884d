#include "xsd/models/weights_map.h"

#include "absl/strings/str_cat.h"

namespace xsd {

bool MapWeightSource::Lookup(const std::string& stored_name, Stored* out) const {
  auto it = tensors_.find(stored_name);
  if (it == tensors_.end()) return false;
  out->shape = it->second.sizes().vec();
  out->file = label_;
  return true;
}

absl::StatusOr<at::Tensor> MapWeightSource::Read(const std::string& stored_name) const {
  auto it = tensors_.find(stored_name);
  if (it == tensors_.end()) return absl::NotFoundError(absl::StrCat(label_, ": tensor '", stored_name, "' not found"));
  return it->second;
}

std::vector<std::string> MapWeightSource::StoredNames() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, tensor] : tensors_) names.push_back(name);
  return names;
}

}  // namespace xsd
