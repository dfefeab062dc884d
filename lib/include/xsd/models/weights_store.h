// StoredWeightSource: the common half of every WeightSource that serves
// named tensors from a store (a safetensors checkpoint, an in-memory map).
//
// It resolves layout aliases, checks shapes, converts dtype and device, and
// records what was taken; a subclass only says what the store holds and how
// to read one tensor. Aliases are prefix rewrites tried in order after the
// name itself, so one block can load "language_model.model.layers.3.mlp..."
// from a checkpoint that stores "model.language_model.layers.3.mlp...":
//   {from: "language_model.model.", to: "model.language_model."}
//
// Errors (codes and formats every block relies on):
//   shape:   InvalidArgument "<file>: tensor '<stored name>': shape [4096, 4000], expected [4096, 4096]"
//   missing: NotFound "tensor '<name>' not found (also tried '<alias>', ...); searched: <files>"
//
// Ownership: see weight_source.h. Not thread-safe; load on one thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "xsd/models/weight_source.h"

namespace xsd {

// A tensor asked for as `from` + rest may be stored as `to` + rest.
struct WeightAlias {
  std::string from;
  std::string to;
};

struct WeightSourceOptions {
  c10::ScalarType dtype = c10::ScalarType::Float;  // every taken tensor is converted to it
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  std::vector<WeightAlias> aliases;                // tried in order after the exact name
};

// "[4096, 4000]"
std::string ShapeString(const std::vector<int64_t>& shape);

class StoredWeightSource : public WeightSource {
 public:
  explicit StoredWeightSource(WeightSourceOptions options) : options_(std::move(options)) {}

  absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) override;
  bool Has(const std::string& name) const override;
  std::vector<std::string> Untaken() const override;
  c10::Device device() const override { return options_.device; }
  c10::ScalarType dtype() const override { return options_.dtype; }

  // The stored name `name` resolves to (itself or an alias), or "" if absent.
  std::string Resolve(const std::string& name) const;
  const WeightSourceOptions& options() const { return options_; }

 protected:
  struct Stored {
    std::vector<int64_t> shape;
    std::string file;  // where it lives, for messages
  };
  // Whether the store holds `stored_name`; fills *out when it does.
  virtual bool Lookup(const std::string& stored_name, Stored* out) const = 0;
  // The stored tensor, in its own dtype, on any device.
  virtual absl::StatusOr<at::Tensor> Read(const std::string& stored_name) const = 0;
  virtual std::vector<std::string> StoredNames() const = 0;
  // The files searched, for NotFound messages.
  virtual std::string Describe() const = 0;

 private:
  std::vector<std::string> Candidates(const std::string& name) const;

  WeightSourceOptions options_;
  std::set<std::string> taken_;  // stored names
};

}  // namespace xsd
