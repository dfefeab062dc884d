// CheckpointWeightSource: tensors from a safetensors checkpoint (one file, or
// shards with model.safetensors.index.json) through xsd::CheckpointReader.
//
// Reads are zero-copy CPU views of the mapping; Take converts them to the
// requested dtype and device (a CPU tensor already in the right dtype stays a
// view, which keeps the mapping alive).
//
// Ownership: owns its reader. Not thread-safe; load on one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "xsd/io/safetensors.h"
#include "xsd/models/weights_store.h"

namespace xsd {

class CheckpointWeightSource final : public StoredWeightSource {
 public:
  // `path`: a checkpoint directory or one .safetensors file.
  static absl::StatusOr<std::unique_ptr<CheckpointWeightSource>> Open(const std::string& path,
                                                                      WeightSourceOptions options);
  CheckpointWeightSource(std::unique_ptr<CheckpointReader> reader, WeightSourceOptions options);

  const CheckpointReader& reader() const { return *reader_; }

 protected:
  bool Lookup(const std::string& stored_name, Stored* out) const override;
  absl::StatusOr<at::Tensor> Read(const std::string& stored_name) const override;
  std::vector<std::string> StoredNames() const override;
  std::string Describe() const override { return files_; }

 private:
  std::unique_ptr<CheckpointReader> reader_;
  std::string files_;  // the distinct shard files, comma-separated
};

}  // namespace xsd
