#include "xsd/models/weights_checkpoint.h"

#include <set>

#include "absl/strings/str_join.h"
#include "xsd/base/status.h"

namespace xsd {

absl::StatusOr<std::unique_ptr<CheckpointWeightSource>> CheckpointWeightSource::Open(const std::string& path,
                                                                                     WeightSourceOptions options) {
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointReader> reader, CheckpointReader::Open(path));
  return std::make_unique<CheckpointWeightSource>(std::move(reader), std::move(options));
}

CheckpointWeightSource::CheckpointWeightSource(std::unique_ptr<CheckpointReader> reader, WeightSourceOptions options)
    : StoredWeightSource(std::move(options)), reader_(std::move(reader)) {
  std::set<std::string> files;
  for (const std::string& name : reader_->Names()) {
    if (const TensorInfo* info = reader_->Find(name)) files.insert(info->file);
  }
  files_ = files.empty() ? reader_->path() : absl::StrJoin(files, ", ");
}

bool CheckpointWeightSource::Lookup(const std::string& stored_name, Stored* out) const {
  const TensorInfo* info = reader_->Find(stored_name);
  if (info == nullptr) return false;
  out->shape = info->shape;
  out->file = info->file;
  return true;
}

absl::StatusOr<at::Tensor> CheckpointWeightSource::Read(const std::string& stored_name) const {
  return reader_->Get(stored_name);
}

std::vector<std::string> CheckpointWeightSource::StoredNames() const { return reader_->Names(); }

}  // namespace xsd
