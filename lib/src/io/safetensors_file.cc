// SafetensorsFile: one memory-mapped safetensors file.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include "absl/strings/str_cat.h"
#include "safetensors_format.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"
#include "xsd/io/safetensors.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; tensors are viewed in place, so libxsd needs a little-endian host"
#endif

namespace xsd {

// Owns one mmap of a whole file; munmaps on destruction. Shared by the file
// object and every tensor viewing it.
struct SafetensorsFile::Mapping {
  uint8_t* data = nullptr;  // nullptr for an empty file
  uint64_t size = 0;

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data != nullptr) munmap(data, size);
  }
};

namespace {

absl::Status ErrnoStatus(int err, const std::string& path, const char* what) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOMEM:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

// Closes a file descriptor on scope exit: the mapping outlives it.
struct FdCloser {
  int fd;
  ~FdCloser() { close(fd); }
};

}  // namespace

SafetensorsFile::~SafetensorsFile() = default;

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path, "cannot open");
  FdCloser closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus(errno, path, "cannot stat");
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file (a directory?)"));
  }

  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<uint64_t>(st.st_size);
  if (mapping->size > 0) {
    // Private and writable: copy-on-write, so a caller writing into a tensor
    // view gets its own pages instead of a SIGSEGV, and the file never
    // changes. MAP_NORESERVE: untouched pages cost no commit charge.
    void* addr = mmap(nullptr, mapping->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
    if (addr == MAP_FAILED) return ErrnoStatus(errno, path, "cannot mmap");
    mapping->data = static_cast<uint8_t*>(addr);
  }

  XSD_ASSIGN_OR_RETURN(io_detail::ParsedHeader header, io_detail::ParseHeader(path, mapping->data, mapping->size));
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->data_offset_ = header.data_offset;
  file->mapping_ = std::move(mapping);
  file->tensors_ = std::move(header.tensors);
  file->metadata_ = std::move(header.metadata);
  return file;
}

std::vector<std::string> SafetensorsFile::Names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& entry : tensors_) names.push_back(entry.first);
  return names;
}

const TensorInfo* SafetensorsFile::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const uint8_t* SafetensorsFile::mapped_data() const { return mapping_->data; }
uint64_t SafetensorsFile::mapped_size() const { return mapping_->size; }

absl::StatusOr<at::Tensor> SafetensorsFile::Get(const std::string& name) const {
  const TensorInfo* info = Find(name);
  if (info == nullptr) return absl::NotFoundError(absl::StrCat(path_, ": no tensor '", name, "'"));
  return TorchCall(absl::StrCat(path_, ": tensor '", name, "'"), [&]() -> absl::StatusOr<at::Tensor> {
    const auto options = at::TensorOptions().dtype(info->dtype).device(at::kCPU);
    if (info->nbytes() == 0) return at::empty(info->shape, options);
    uint8_t* bytes = mapping_->data + data_offset_ + info->begin;
    if (reinterpret_cast<uintptr_t>(bytes) % c10::elementSize(info->dtype) != 0) {
      at::Tensor copy = at::empty(info->shape, options);
      std::memcpy(copy.data_ptr(), bytes, info->nbytes());
      return copy;
    }
    // The deleter owns a reference to the mapping: the view keeps it alive.
    std::shared_ptr<Mapping> keep_alive = mapping_;
    return at::from_blob(bytes, info->shape, [keep_alive](void*) {}, options);
  });
}

}  // namespace xsd
