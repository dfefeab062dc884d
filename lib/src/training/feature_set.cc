#include "xsd/training/feature_set.h"

#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/torch_status.h"
#include "io/json_file.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;
constexpr char kIndexFile[] = "features.index.json";

nlohmann::json InfoJson(const FeatureSetInfo& info) {
  return {{"version", 1},
          {"pairing", info.pairing},
          {"drafter_hidden_size", info.drafter_hidden_size},
          {"target_hidden_size", info.target_hidden_size},
          {"settings", info.settings}};
}

absl::Status WriteJsonAtomically(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(1) << "\n";
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat(tmp, ": cannot write"));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat(path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FeatureShardWriter>> FeatureShardWriter::Create(const std::string& dir,
                                                                              const FeatureSetInfo& info, bool resume,
                                                                              int64_t rows_per_shard) {
  if (info.drafter_hidden_size < 1 || info.target_hidden_size < 1) {
    return absl::InvalidArgumentError("feature shards: hidden sizes must be set");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  std::unique_ptr<FeatureShardWriter> w(new FeatureShardWriter());
  w->dir_ = dir;
  w->info_ = info;
  w->rows_per_shard_ = std::max<int64_t>(1, rows_per_shard);
  const std::string index = (fs::path(dir) / kIndexFile).string();
  if (fs::exists(index)) {
    if (!resume) {
      return absl::AlreadyExistsError(absl::StrCat(index, ": a feature set is already there (resume it, or choose another directory)"));
    }
    XSD_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(index));
    nlohmann::json expect = InfoJson(info);
    for (const char* key : {"pairing", "drafter_hidden_size", "target_hidden_size", "settings"}) {
      if (j.value(key, nlohmann::json()) != expect[key]) {
        return absl::FailedPreconditionError(absl::StrCat(index, ": resume: recorded ", key, "=",
                                                          j.value(key, nlohmann::json()).dump(), ", this run has ",
                                                          expect[key].dump()));
      }
    }
    w->shards_ = j.value("shards", nlohmann::json::array());
    for (const nlohmann::json& s : w->shards_) {
      for (const nlohmann::json& id : s.value("samples", nlohmann::json::array())) w->done_.insert(id.get<std::string>());
    }
  }
  return w;
}

absl::Status FeatureShardWriter::Add(const FeatureRows& r) {
  const std::string who = absl::StrCat("feature shards: sample '", r.sample_id, "'");
  const int64_t n = static_cast<int64_t>(r.target_tokens.size());
  if (n < 1) return absl::InvalidArgumentError(who + ": no rows");
  if (r.drafter_hidden.dim() != 2 || r.drafter_hidden.size(0) != n ||
      r.drafter_hidden.size(1) != info_.drafter_hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": drafter_hidden must be [", n, ", ",
                                                   info_.drafter_hidden_size, "], got ",
                                                   c10::str(r.drafter_hidden.sizes())));
  }
  if (r.target_hidden.dim() != 2 || r.target_hidden.size(0) != n ||
      r.target_hidden.size(1) != info_.target_hidden_size) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": target_hidden must be [", n, ", ", info_.target_hidden_size,
                                                   "], got ", c10::str(r.target_hidden.sizes())));
  }
  if (done_.count(r.sample_id) != 0) return absl::AlreadyExistsError(who + ": already written");
  buffer_.push_back(r);
  buffer_.back().drafter_hidden = r.drafter_hidden.detach().to(at::kCPU);
  buffer_.back().target_hidden = r.target_hidden.detach().to(at::kCPU);
  buffered_rows_ += n;
  done_.insert(r.sample_id);
  if (buffered_rows_ >= rows_per_shard_) return WriteShard();
  return absl::OkStatus();
}

absl::Status FeatureShardWriter::WriteShard() {
  if (buffer_.empty()) return absl::OkStatus();
  const std::string file = absl::StrFormat("features-%05d.safetensors", static_cast<int>(shards_.size()));
  nlohmann::json samples = nlohmann::json::array();
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  XSD_RETURN_IF_ERROR(TorchCall("feature shards: " + file, [&]() -> absl::Status {
    std::vector<at::Tensor> d, t;
    std::vector<int64_t> tokens, lengths;
    for (const FeatureRows& r : buffer_) {
      d.push_back(r.drafter_hidden);
      t.push_back(r.target_hidden);
      tokens.insert(tokens.end(), r.target_tokens.begin(), r.target_tokens.end());
      lengths.push_back(static_cast<int64_t>(r.target_tokens.size()));
      samples.push_back(r.sample_id);
    }
    const auto i64 = at::TensorOptions().dtype(at::kLong);
    tensors = {{"drafter_hidden", at::cat(d).contiguous()},
               {"target_hidden", at::cat(t).contiguous()},
               {"target_token", at::tensor(tokens, i64)},
               {"sequence_rows", at::tensor(lengths, i64)}};
    return absl::OkStatus();
  }));
  XSD_RETURN_IF_ERROR(WriteSafetensors((fs::path(dir_) / file).string(), tensors));
  shards_.push_back({{"file", file}, {"rows", buffered_rows_}, {"sequences", buffer_.size()}, {"samples", samples}});
  buffer_.clear();
  buffered_rows_ = 0;
  return WriteIndex();
}

absl::Status FeatureShardWriter::WriteIndex() const {
  nlohmann::json j = InfoJson(info_);
  j["shards"] = shards_;
  return WriteJsonAtomically((fs::path(dir_) / kIndexFile).string(), j);
}

absl::Status FeatureShardWriter::Finish() {
  XSD_RETURN_IF_ERROR(WriteShard());
  return WriteIndex();
}

absl::StatusOr<std::unique_ptr<FeatureSet>> FeatureSet::Open(const std::string& dir, const c10::Device& device) {
  const std::string index = (fs::path(dir) / kIndexFile).string();
  if (!fs::exists(index)) return absl::NotFoundError(absl::StrCat(index, ": no feature index (run xsd_train extract)"));
  XSD_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonFile(index));
  std::unique_ptr<FeatureSet> set(new FeatureSet());
  FeatureSetInfo& info = set->info_;
  if (!j.is_object() || !j.contains("shards") || !j["shards"].is_array() || !j.contains("drafter_hidden_size") ||
      !j.contains("target_hidden_size")) {
    return absl::InvalidArgumentError(absl::StrCat(index, ": not a feature index (shards, drafter_hidden_size, "
                                                   "target_hidden_size expected)"));
  }
  info.pairing = j.value("pairing", "");
  info.drafter_hidden_size = j.value("drafter_hidden_size", 0);
  info.target_hidden_size = j.value("target_hidden_size", 0);
  info.settings = j.value("settings", nlohmann::json::object());
  if (info.drafter_hidden_size < 1 || info.target_hidden_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(index, ": hidden sizes must be >= 1"));
  }
  if (j["shards"].empty()) return absl::InvalidArgumentError(absl::StrCat(index, ": the feature set is empty"));
  std::vector<at::Tensor> d, t, tokens;
  set->offsets_ = {0};
  for (const nlohmann::json& s : j["shards"]) {
    const std::string path = (fs::path(dir) / s.value("file", "")).string();
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file, SafetensorsFile::Open(path));
    for (const char* name : {"drafter_hidden", "target_hidden", "target_token", "sequence_rows"}) {
      if (file->Find(name) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", name, "' is missing"));
      }
    }
    XSD_ASSIGN_OR_RETURN(at::Tensor dh, file->Get("drafter_hidden"));
    XSD_ASSIGN_OR_RETURN(at::Tensor th, file->Get("target_hidden"));
    XSD_ASSIGN_OR_RETURN(at::Tensor tok, file->Get("target_token"));
    XSD_ASSIGN_OR_RETURN(at::Tensor lengths, file->Get("sequence_rows"));
    const int64_t rows = s.value("rows", int64_t{-1});
    if (dh.dim() != 2 || dh.size(1) != info.drafter_hidden_size || th.dim() != 2 ||
        th.size(1) != info.target_hidden_size) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": hidden widths ", c10::str(dh.sizes()), " / ",
                                                     c10::str(th.sizes()), " disagree with the index's ",
                                                     info.drafter_hidden_size, " / ", info.target_hidden_size));
    }
    XSD_RETURN_IF_ERROR(TorchCall(path, [&]() -> absl::Status {
      const int64_t total = lengths.sum().item<int64_t>();
      if (dh.size(0) != rows || th.size(0) != rows || tok.numel() != rows || total != rows ||
          (lengths <= 0).any().item<bool>()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": row counts disagree (index ", rows, ", drafter ",
                                                       dh.size(0), ", target ", th.size(0), ", tokens ", tok.numel(),
                                                       ", sequences ", total, ")"));
      }
      d.push_back(dh.to(device, at::kFloat));
      t.push_back(th.to(device, at::kFloat));
      tokens.push_back(tok.to(device, at::kLong));
      const auto* len = lengths.contiguous().data_ptr<int64_t>();
      for (int64_t i = 0; i < lengths.numel(); ++i) set->offsets_.push_back(set->offsets_.back() + len[i]);
      return absl::OkStatus();
    }));
    for (const nlohmann::json& id : s.value("samples", nlohmann::json::array())) {
      set->sample_ids_.push_back(id.get<std::string>());
    }
  }
  XSD_RETURN_IF_ERROR(TorchCall("feature set", [&]() -> absl::Status {
    set->drafter_hidden_ = at::cat(d);
    set->target_hidden_ = at::cat(t);
    set->target_tokens_ = at::cat(tokens);
    return absl::OkStatus();
  }));
  if (set->sample_ids_.size() + 1 != set->offsets_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(index, ": ", set->sample_ids_.size(), " sample ids for ",
                                                   set->offsets_.size() - 1, " sequences"));
  }
  return set;
}

}  // namespace xsd
