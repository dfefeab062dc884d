// Safetensors checkpoints: memory-mapped reading (single file or sharded with
// model.safetensors.index.json) and writing.
//
// Format (https://github.com/huggingface/safetensors): 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets:[b,e]},
// "__metadata__": {...}}, then the data section; offsets are relative to its
// start. Dtypes read and written: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL.
// Every malformed input is answered with InvalidArgument naming the file and,
// where one is involved, the tensor; nothing is read out of bounds. Checked:
// lengths, JSON syntax (no NUL bytes, no duplicate names), entry fields,
// dtypes, shapes, offsets against the shape and the data section,
// __metadata__ (strings only), and that the tensors' bytes cover the data
// section exactly: no overlaps, no holes between or after tensors (bytes of
// no tensor, where a polyglot file could hide other content); the error
// names the hole's byte range. Empty tensors hold no bytes.
//
// Ownership: a SafetensorsFile owns its mapping; tensors returned by Get are
// CPU tensors that keep the mapping alive (shared ownership), so they stay
// valid after the file object is destroyed. The file is opened read-only and
// mapped copy-on-write: writing into a returned tensor changes this
// process's copy of those pages only, never the file, and never crashes;
// later Gets from the same object see the write, as views do. As with any
// mapping, the file must not be truncated or rewritten in place while it is
// mapped (reads would fault); WriteSafetensors replaces files by rename,
// which leaves existing mappings intact.
// Thread-safe after Open (every method is const).
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
  uint64_t begin = 0;      // byte range [begin, end) inside the file's data section
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  std::vector<std::string> Names() const;  // sorted
  const TensorInfo* Find(const std::string& name) const;  // nullptr if absent
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // A CPU tensor of the stored dtype and shape. NotFound names the tensor and
  // the file. Zero-copy (a view of the mapping) when the tensor's bytes are
  // aligned to its element size; otherwise a contiguous copy, because the
  // format promises no alignment (files with odd header lengths exist) and
  // torch kernels assume aligned data. Files written by WriteSafetensors are
  // always aligned. Empty tensors are fresh (storage-less) tensors.
  absl::StatusOr<at::Tensor> Get(const std::string& name) const;

  // The mapped file, for checks (is a tensor a view?) and hashing; valid while
  // this object or a tensor from Get lives. Do not write through it.
  const uint8_t* mapped_data() const;
  uint64_t mapped_size() const;
  // File offset of the data section (8 + header length).
  uint64_t data_offset() const { return data_offset_; }

 private:
  SafetensorsFile() = default;
  struct Mapping;
  std::string path_;
  uint64_t data_offset_ = 0;
  std::shared_ptr<Mapping> mapping_;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint made of one or more safetensors files. Open accepts
//   - the path of one .safetensors file;
//   - the path of an index file (*.index.json);
//   - a directory holding model.safetensors (preferred when both exist, as
//     transformers does) or model.safetensors.index.json plus its shards.
// Index: {"metadata": {...}, "weight_map": {tensor: shard file name relative
// to the index}}. Every shard is opened once; every tensor the index names
// must be in the shard it names, and no tensor may be in two shards. Tensors
// a shard holds but the index omits are served too. A directory of shards
// without an index is refused (the error lists the files found).
// Owns its files; thread-safe after Open.
class CheckpointReader {
 public:
  static absl::StatusOr<std::unique_ptr<CheckpointReader>> Open(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> Names() const;  // sorted, over all shards
  const TensorInfo* Find(const std::string& name) const;  // nullptr if absent
  // As SafetensorsFile::Get; NotFound names the tensor and the checkpoint.
  absl::StatusOr<at::Tensor> Get(const std::string& name) const;
  // The files read, in the order opened (non-owning access).
  const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }

 private:
  CheckpointReader() = default;
  std::string path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> owner_;  // tensor -> file (not owned)
};

// Writes one safetensors file: tensors contiguous, on CPU, in their own dtype.
// The header is the compact JSON of an object with sorted keys (entries
// {"data_offsets":[b,e],"dtype":"F32","shape":[...]}, "__metadata__" only when
// metadata is non-empty), padded with spaces so the data section starts at a
// multiple of 8. The data section has no holes; tensors are laid out by
// element size, largest first, then by name, so every tensor is aligned and
// can be read zero-copy. Written to `path`.tmp and renamed over `path`, so a
// crash never leaves a half-written file under `path`. InvalidArgument for a
// duplicate or reserved name or an unsupported dtype (naming the tensor);
// I/O errors name the path.
absl::Status WriteSafetensors(const std::string& path,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

// Writes `dir`/model.safetensors when the data fits in max_shard_bytes,
// otherwise shards model-0000i-of-0000n.safetensors (tensors packed greedily in
// the given order; a tensor larger than the limit gets a shard of its own)
// plus model.safetensors.index.json with metadata.total_size. Files carry
// __metadata__ {"format": "pt"} (transformers expects it). Creates `dir`; the
// other layout's stale index or single file is removed so readers cannot pick
// up an old checkpoint.
absl::Status WriteCheckpoint(const std::string& dir, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                             int64_t max_shard_bytes = int64_t{5} << 30);

}  // namespace xsd
