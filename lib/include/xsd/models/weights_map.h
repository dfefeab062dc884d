// MapWeightSource: named tensors held in memory (tests, random-weight
// checkpoints for benchmarks, weights produced by a converter).
//
// Ownership: owns the map; Take returns converted copies or, when dtype and
// device already match, the stored tensor itself (weights are never written
// after load, so sharing is safe).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xsd/models/weights_store.h"

namespace xsd {

class MapWeightSource final : public StoredWeightSource {
 public:
  // `label` stands for the file name in messages.
  explicit MapWeightSource(WeightSourceOptions options, std::string label = "<memory>")
      : StoredWeightSource(std::move(options)), label_(std::move(label)) {}

  // Adds or replaces a tensor (before loading).
  void Set(const std::string& name, at::Tensor tensor) { tensors_[name] = std::move(tensor); }
  void Erase(const std::string& name) { tensors_.erase(name); }
  const std::map<std::string, at::Tensor>& tensors() const { return tensors_; }

 protected:
  bool Lookup(const std::string& stored_name, Stored* out) const override;
  absl::StatusOr<at::Tensor> Read(const std::string& stored_name) const override;
  std::vector<std::string> StoredNames() const override;
  std::string Describe() const override { return label_; }

 private:
  std::string label_;
  std::map<std::string, at::Tensor> tensors_;
};

}  // namespace xsd
