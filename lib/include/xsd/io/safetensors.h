// Safetensors checkpoints: memory-mapped reading (single file or sharded with
// model.safetensors.index.json) and writing.
//
// Format (https://github.com/huggingface/safetensors): 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets:[b,e]},
// "__metadata__": {...}}, then the data. Every malformed input is answered
// with a Status naming the file and, where one is involved, the tensor.
//
// Ownership: a SafetensorsFile owns its mapping; tensors returned by Get are
// zero-copy CPU views that keep the mapping alive (shared ownership), so they
// stay valid after the file object is destroyed. Thread-safe after Open.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"

namespace xsd {

struct TensorInfo {
  std::string name;
  c10::ScalarType dtype = c10::ScalarType::Float;
  std::vector<int64_t> shape;
  std::string file;        // the file holding it
  uint64_t begin = 0;      // byte range inside the file's data section
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  std::vector<std::string> Names() const;  // sorted
  const TensorInfo* Find(const std::string& name) const;  // nullptr if absent
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Zero-copy CPU tensor. NotFound names the tensor and the file.
  absl::StatusOr<at::Tensor> Get(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  struct Mapping;
  std::string path_;
  std::shared_ptr<Mapping> mapping_;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint made of one or more safetensors files: a directory holding
// model.safetensors or model.safetensors.index.json (+ shards), or the path
// of one .safetensors file.
class CheckpointReader {
 public:
  static absl::StatusOr<std::unique_ptr<CheckpointReader>> Open(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> Names() const;  // sorted, over all shards
  const TensorInfo* Find(const std::string& name) const;
  absl::StatusOr<at::Tensor> Get(const std::string& name) const;

 private:
  CheckpointReader() = default;
  std::string path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> owner_;  // tensor -> file (not owned)
};

// Writes one safetensors file. Tensors are written contiguous, in their own
// dtype, names sorted. Fails with a Status naming the path on I/O errors.
absl::Status WriteSafetensors(const std::string& path,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

// Writes `dir`/model.safetensors, or shards model-0000i-of-0000n.safetensors
// plus model.safetensors.index.json when the data exceeds max_shard_bytes.
absl::Status WriteCheckpoint(const std::string& dir, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                             int64_t max_shard_bytes = int64_t{5} << 30);

}  // namespace xsd
