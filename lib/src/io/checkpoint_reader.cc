// CheckpointReader: one safetensors file, or shards listed by an index.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/base/status.h"
#include "io/json_file.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;

constexpr char kSingleFile[] = "model.safetensors";
constexpr char kIndexFile[] = "model.safetensors.index.json";

// The shard file each tensor is in, as the index says.
absl::StatusOr<std::map<std::string, std::string>> ReadWeightMap(const std::string& index_path) {
  XSD_ASSIGN_OR_RETURN(nlohmann::json index, ReadJsonFile(index_path));
  XSD_ASSIGN_OR_RETURN(JsonObject root, JsonObject::Make(&index, index_path));
  XSD_ASSIGN_OR_RETURN(JsonObject weight_map, root.Object("weight_map"));
  std::map<std::string, std::string> out;
  for (const auto& item : weight_map.json().items()) {
    XSD_ASSIGN_OR_RETURN(std::string shard, weight_map.String(item.key()));
    const fs::path path(shard);
    const bool leaves = std::any_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".."; });
    if (shard.empty() || path.is_absolute() || leaves) {
      return absl::InvalidArgumentError(absl::StrCat(index_path, ": field 'weight_map.", item.key(), "': '", shard,
                                                     "' is not a file name inside the index's directory"));
    }
    out[item.key()] = std::move(shard);
  }
  return out;
}

// The *.safetensors files in `dir`, sorted, for the error that refuses it.
std::vector<std::string> SafetensorsFilesIn(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") found.push_back(entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CheckpointReader>> CheckpointReader::Open(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));

  std::unique_ptr<CheckpointReader> reader(new CheckpointReader());
  reader->path_ = path;
  std::string index_path;
  if (fs::is_directory(status)) {
    const std::string single = (fs::path(path) / kSingleFile).string();
    const std::string index = (fs::path(path) / kIndexFile).string();
    if (fs::exists(single, ec)) {
      XSD_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(single));
      reader->files_.push_back(std::move(file));
    } else if (fs::exists(index, ec)) {
      index_path = index;
    } else {
      std::vector<std::string> found = SafetensorsFilesIn(path);
      return absl::NotFoundError(absl::StrCat(
          path, ": neither ", kSingleFile, " nor ", kIndexFile, " is here (safetensors files found: ",
          found.empty() ? "none" : absl::StrJoin(found, ", "), "); shards are read only through their index"));
    }
  } else if (absl::EndsWith(path, ".index.json")) {
    index_path = path;
  } else {
    XSD_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(path));
    reader->files_.push_back(std::move(file));
  }

  std::map<std::string, std::string> weight_map;  // tensor -> shard path
  if (!index_path.empty()) {
    XSD_ASSIGN_OR_RETURN(weight_map, ReadWeightMap(index_path));
    const fs::path dir = fs::path(index_path).parent_path();
    std::map<std::string, const SafetensorsFile*> opened;  // shard name -> file
    for (auto& [tensor, shard] : weight_map) {
      if (opened.count(shard) == 0) {
        absl::StatusOr<std::unique_ptr<SafetensorsFile>> file = SafetensorsFile::Open((dir / shard).string());
        if (!file.ok()) return Annotate(file.status(), absl::StrCat(index_path, ": shard '", shard, "'"));
        opened[shard] = file->get();
        reader->files_.push_back(*std::move(file));
      }
      shard = opened[shard]->path();
    }
  }

  for (const auto& file : reader->files_) {
    for (const std::string& name : file->Names()) {
      auto [it, inserted] = reader->owner_.emplace(name, file.get());
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(index_path, ": tensor '", name, "' is in two shards: ",
                                                       it->second->path(), " and ", file->path()));
      }
    }
  }
  for (const auto& [tensor, shard_path] : weight_map) {
    auto it = reader->owner_.find(tensor);
    if (it == reader->owner_.end() || it->second->path() != shard_path) {
      return absl::NotFoundError(absl::StrCat(index_path, ": tensor '", tensor, "' is mapped to shard ", shard_path,
                                              ", which does not contain it"));
    }
  }
  return reader;
}

std::vector<std::string> CheckpointReader::Names() const {
  std::vector<std::string> names;
  names.reserve(owner_.size());
  for (const auto& entry : owner_) names.push_back(entry.first);
  return names;
}

const TensorInfo* CheckpointReader::Find(const std::string& name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? nullptr : it->second->Find(name);
}

absl::StatusOr<at::Tensor> CheckpointReader::Get(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) return absl::NotFoundError(absl::StrCat(path_, ": no tensor '", name, "'"));
  return it->second->Get(name);
}

}  // namespace xsd
