// Fuzzes the safetensors reader: the header parser on an exactly sized heap
// buffer (ASan sees any read past the input), then the file reader and every
// tensor's data offsets through SafetensorsFile::Open and Get.
#include <cstdint>
#include <cstring>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include "fuzz_util.h"
#include "io/safetensors_format.h"
#include "xsd/io/safetensors.h"

namespace {

// The tensor's bytes equal the file's bytes at its data offsets.
bool HoldsFileBytes(const at::Tensor& t, const uint8_t* file, uint64_t data_offset, const xsd::TensorInfo& info) {
  if (t.nbytes() == 0) return true;
  return std::memcmp(t.data_ptr(), file + data_offset + info.begin, t.nbytes()) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xsd::fuzz::Expect;
  const std::string name = "fuzz.safetensors";
  std::vector<uint8_t> copy(data, data + size);
  auto parsed = xsd::io_detail::ParseHeader(name, copy.data(), copy.size());
  xsd::fuzz::ExpectNamesFile(parsed.status(), name);

  const std::string path = xsd::fuzz::Scratch().File(name);
  xsd::fuzz::WriteFile(path, data, size);
  auto file = xsd::SafetensorsFile::Open(path);
  xsd::fuzz::ExpectNamesFile(file.status(), path);
  Expect(file.ok() == parsed.ok(), "Open and ParseHeader agree", file.status());
  if (!file.ok()) return 0;

  const xsd::SafetensorsFile& f = **file;
  const uint64_t data_size = size - f.data_offset();
  uint64_t covered = 0;
  for (const std::string& tensor : f.Names()) {
    const xsd::TensorInfo* info = f.Find(tensor);
    Expect(info != nullptr, "Find answers every name of Names()");
    Expect(info->begin <= info->end && info->end <= data_size, "ranges lie inside the data section");
    covered += info->nbytes();
    auto t = f.Get(tensor);
    Expect(t.ok(), "Get succeeds on a validated tensor", t.status());
    Expect(t->nbytes() == info->nbytes(), "the tensor holds exactly its range");
    Expect(t->scalar_type() == info->dtype, "the tensor has its stored dtype");
    Expect(HoldsFileBytes(*t, data, f.data_offset(), *info), "the tensor holds the bytes at its data offsets");
  }
  Expect(covered == data_size, "tensors cover the data section exactly");
  return 0;
}
