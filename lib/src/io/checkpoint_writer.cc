// WriteCheckpoint: model.safetensors, or shards plus their index.
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atomic_file.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

constexpr char kSingleFile[] = "model.safetensors";
constexpr char kIndexFile[] = "model.safetensors.index.json";

// Bytes a tensor takes in the file; 0 for what WriteSafetensors will refuse
// with a proper message anyway (undefined or sparse tensors).
int64_t StoredBytes(const at::Tensor& t) {
  if (!t.defined() || t.layout() != c10::kStrided) return 0;
  return t.numel() * static_cast<int64_t>(t.element_size());
}

// Greedy packing in the given order: a shard is closed when the next tensor
// would push it past the limit; a tensor above the limit is alone.
std::vector<NamedTensors> SplitIntoShards(const NamedTensors& tensors, int64_t max_shard_bytes) {
  std::vector<NamedTensors> shards;
  int64_t current = 0;
  for (const auto& named : tensors) {
    const int64_t nbytes = StoredBytes(named.second);
    if (shards.empty() || (!shards.back().empty() && current + nbytes > max_shard_bytes)) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(named);
    current += nbytes;
  }
  return shards;
}

absl::Status WriteIndex(const std::string& path, const std::map<std::string, std::string>& weight_map,
                        int64_t total_size) {
  nlohmann::json index = {{"metadata", {{"total_size", total_size}}}, {"weight_map", weight_map}};
  const std::string text = index.dump(2) + "\n";
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<io_detail::AtomicFile> file, io_detail::AtomicFile::Create(path));
  XSD_RETURN_IF_ERROR(file->Write(text.data(), text.size()));
  return file->Commit();
}

// Removes the other layout's entry point, left from an earlier checkpoint.
absl::Status RemoveStale(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return absl::InternalError(absl::StrCat(path.string(), ": cannot remove the stale file: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteCheckpoint(const std::string& dir, const NamedTensors& tensors, int64_t max_shard_bytes) {
  if (max_shard_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": max_shard_bytes must be positive, got ", max_shard_bytes));
  }
  std::set<std::string> seen;
  int64_t total = 0;
  for (const auto& [name, tensor] : tensors) {
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": tensor '", name, "' given twice"));
    }
    total += StoredBytes(tensor);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot create the directory: ", ec.message()));
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};

  if (total <= max_shard_bytes) {
    XSD_RETURN_IF_ERROR(WriteSafetensors((fs::path(dir) / kSingleFile).string(), tensors, metadata));
    return RemoveStale(fs::path(dir) / kIndexFile);
  }
  const std::vector<NamedTensors> shards = SplitIntoShards(tensors, max_shard_bytes);
  std::map<std::string, std::string> weight_map;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string name = absl::StrFormat("model-%05d-of-%05d.safetensors", i + 1, shards.size());
    XSD_RETURN_IF_ERROR(WriteSafetensors((fs::path(dir) / name).string(), shards[i], metadata));
    for (const auto& named : shards[i]) weight_map[named.first] = name;
  }
  XSD_RETURN_IF_ERROR(WriteIndex((fs::path(dir) / kIndexFile).string(), weight_map, total));
  return RemoveStale(fs::path(dir) / kSingleFile);
}

}  // namespace xsd
