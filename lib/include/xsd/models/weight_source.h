// WeightSource: where model building blocks take their weights from.
//
// A block asks for each tensor by its name in the block's own naming
// ("self_attn.q_proj.weight") through a Scoped view that adds its prefix
// ("language_model.model.layers.3."), with the shape it expects. The source
// finds the tensor (applying the checkpoint layout's renames), checks the
// shape, converts dtype and device, and records what was taken, so that
// unexpected tensors can be reported after loading. Errors name the tensor,
// the file, and the expected and found shapes:
//   "ckpt/model-00002-of-00003.safetensors: tensor
//    'language_model.model.layers.3.self_attn.q_proj.weight': shape [4096, 4000],
//    expected [4096, 4096]"
//
// Ownership: a source owns its reader; returned tensors are independent of it
// (copied to the target device/dtype, or CPU views that keep the mapping
// alive). Not thread-safe; load on one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"

namespace xsd {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // The tensor `name` (full name), checked against `shape`, on the source's
  // device and dtype.
  virtual absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) = 0;
  virtual bool Has(const std::string& name) const = 0;
  // Tensors present in the checkpoint that nobody took, sorted.
  virtual std::vector<std::string> Untaken() const = 0;
  virtual c10::Device device() const = 0;
  virtual c10::ScalarType dtype() const = 0;
};

// A prefixed view: Scoped(src, "model.layers.3.").Take("mlp.up_proj.weight", ...)
// takes "model.layers.3.mlp.up_proj.weight". Does not own `source`.
class ScopedWeights {
 public:
  ScopedWeights(WeightSource* source, std::string prefix) : source_(source), prefix_(std::move(prefix)) {}
  absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) const {
    return source_->Take(prefix_ + name, shape);
  }
  bool Has(const std::string& name) const { return source_->Has(prefix_ + name); }
  ScopedWeights Sub(const std::string& more) const { return ScopedWeights(source_, prefix_ + more); }
  const std::string& prefix() const { return prefix_; }
  WeightSource* source() const { return source_; }

 private:
  WeightSource* source_;  // not owned
  std::string prefix_;
};

}  // namespace xsd
