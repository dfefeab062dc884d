// WriteSafetensors: one safetensors file, written atomically.
#include <algorithm>
#include <set>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "atomic_file.h"
#include "safetensors_format.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

struct PlannedTensor {
  std::string name;
  at::Tensor data;  // contiguous, on CPU
  const char* dtype = nullptr;
  uint64_t begin = 0;
  uint64_t end = 0;
};

// Validates names and dtypes, brings every tensor to contiguous CPU memory
// and assigns byte ranges: largest element size first, then by name, so
// that every range starts at a multiple of its element size (the data
// section itself starts at a multiple of 8).
absl::StatusOr<std::vector<PlannedTensor>> Plan(const std::string& path,
                                                const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::vector<PlannedTensor> plan;
  std::set<std::string> seen;
  for (const auto& entry : tensors) {
    const std::string& name = entry.first;
    const at::Tensor& tensor = entry.second;  // a plain reference: lambdas cannot capture bindings in C++17
    const std::string context = absl::StrCat(path, ": tensor '", name, "'");
    if (name == "__metadata__") return absl::InvalidArgumentError(absl::StrCat(context, ": the name is reserved"));
    if (!seen.insert(name).second) return absl::InvalidArgumentError(absl::StrCat(context, ": given twice"));
    if (!tensor.defined()) return absl::InvalidArgumentError(absl::StrCat(context, ": undefined tensor"));
    if (tensor.layout() != c10::kStrided) {
      return absl::InvalidArgumentError(absl::StrCat(context, ": only dense (strided) tensors can be written"));
    }
    const char* dtype = io_detail::DtypeName(tensor.scalar_type());
    if (dtype == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": dtype ", c10::toString(tensor.scalar_type()), " cannot be written"));
    }
    PlannedTensor p;
    p.name = name;
    p.dtype = dtype;
    XSD_ASSIGN_OR_RETURN(p.data, TorchCall(context, [&]() -> absl::StatusOr<at::Tensor> {
                           return tensor.to(at::kCPU).contiguous();
                         }));
    plan.push_back(std::move(p));
  }
  std::sort(plan.begin(), plan.end(), [](const PlannedTensor& a, const PlannedTensor& b) {
    if (a.data.element_size() != b.data.element_size()) return a.data.element_size() > b.data.element_size();
    return a.name < b.name;
  });
  uint64_t offset = 0;
  for (PlannedTensor& p : plan) {
    p.begin = offset;
    offset += static_cast<uint64_t>(p.data.nbytes());
    p.end = offset;
  }
  return plan;
}

// The JSON header, padded with spaces so that 8 + its length is a multiple of 8.
absl::StatusOr<std::string> BuildHeader(const std::string& path, const std::vector<PlannedTensor>& plan,
                                        const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();  // std::map inside: keys come out sorted
  for (const PlannedTensor& p : plan) {
    nlohmann::json entry = nlohmann::json::object();
    entry["dtype"] = p.dtype;
    entry["shape"] = nlohmann::json::array();
    for (int64_t d : p.data.sizes()) entry["shape"].push_back(d);
    entry["data_offsets"] = nlohmann::json::array({p.begin, p.end});
    header[p.name] = std::move(entry);
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // names or metadata that are not UTF-8
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write the header: ", e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

absl::Status WriteSafetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  XSD_ASSIGN_OR_RETURN(std::vector<PlannedTensor> plan, Plan(path, tensors));
  XSD_ASSIGN_OR_RETURN(std::string header, BuildHeader(path, plan, metadata));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<io_detail::AtomicFile> file, io_detail::AtomicFile::Create(path));
  uint8_t length[8];
  uint64_t n = header.size();
  for (uint8_t& byte : length) {  // little-endian, whatever the host
    byte = static_cast<uint8_t>(n & 0xff);
    n >>= 8;
  }
  XSD_RETURN_IF_ERROR(file->Write(length, sizeof(length)));
  XSD_RETURN_IF_ERROR(file->Write(header.data(), header.size()));
  for (const PlannedTensor& p : plan) {
    XSD_RETURN_IF_ERROR(file->Write(p.data.data_ptr(), p.end - p.begin));
  }
  return file->Commit();
}

}  // namespace xsd
