#include "xsd/device/cuda_graph.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

#ifdef XSD_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace xsd {

#ifdef XSD_WITH_CUDA

bool CudaGraphsSupported() { return c10::cuda::device_count() > 0; }

void* CurrentCudaStream(const c10::Device& device) {
  if (!device.is_cuda()) return nullptr;
  return static_cast<void*>(c10::cuda::getCurrentCUDAStream(device.index()).stream());
}

struct CudaGraph::Impl {
  c10::Device device = c10::Device(c10::DeviceType::CUDA, 0);
  at::cuda::CUDAGraph graph;
};

CudaGraph::CudaGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaGraph::~CudaGraph() = default;

absl::StatusOr<std::unique_ptr<CudaGraph>> CudaGraph::Capture(const c10::Device& device, CudaGraphPool* pool,
                                                              const std::function<absl::Status()>& body) {
  if (!device.is_cuda()) {
    return absl::FailedPreconditionError(absl::StrCat("cuda graph: device ", device.str(), " is not a CUDA device"));
  }
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  absl::Status body_status;
  try {
    const c10::cuda::CUDAGuard device_guard(device);
    // Work queued before the capture must be visible to the side stream.
    c10::cuda::getCurrentCUDAStream(device.index()).synchronize();
    c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index());
    {
      const c10::cuda::CUDAStreamGuard stream_guard(side);
      // The pool id type moved between torch versions; pool() names it.
      using PoolId = decltype(std::declval<at::cuda::CUDAGraph&>().pool());
      PoolId id{0, 0};
      if (pool != nullptr && pool->valid_) id = PoolId(pool->id_.first, pool->id_.second);
      impl->graph.capture_begin(id, cudaStreamCaptureModeThreadLocal);
      try {
        body_status = body();
      } catch (const std::exception& e) {
        body_status = absl::InternalError(e.what());
      }
      impl->graph.capture_end();
    }
    if (pool != nullptr && !pool->valid_) {
      const auto id = impl->graph.pool();
      pool->id_ = {id.first, id.second};
      pool->valid_ = true;
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cuda graph capture on ", device.str(), ": ", e.what(),
                                            body_status.ok() ? "" : absl::StrCat(" (body: ", body_status.ToString(), ")")));
  }
  if (!body_status.ok()) {
    return absl::Status(body_status.code(), absl::StrCat("cuda graph capture: ", body_status.message()));
  }
  return std::unique_ptr<CudaGraph>(new CudaGraph(std::move(impl)));
}

absl::Status CudaGraph::Replay() {
  try {
    const c10::cuda::CUDAGuard device_guard(impl_->device);
    impl_->graph.replay();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cuda graph replay on ", impl_->device.str(), ": ", e.what()));
  }
  return absl::OkStatus();
}

struct DeviceFence::Impl {
  c10::Device device = c10::Device(c10::DeviceType::CPU);
  at::cuda::CUDAEvent event;
  bool pending = false;
};

DeviceFence::DeviceFence(const c10::Device& device) : impl_(std::make_unique<Impl>()) { impl_->device = device; }
DeviceFence::~DeviceFence() = default;

void DeviceFence::Record() {
  if (!impl_->device.is_cuda()) return;
  impl_->event.record(c10::cuda::getCurrentCUDAStream(impl_->device.index()));
  impl_->pending = true;
}

void DeviceFence::Wait() {
  if (!impl_->pending) return;
  impl_->event.synchronize();
  impl_->pending = false;
}

struct LaneStream::Impl {
  std::optional<c10::cuda::CUDAStream> stream;
};

LaneStream::LaneStream(const c10::Device& device) : impl_(std::make_unique<Impl>()) {
  if (device.is_cuda()) impl_->stream = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device.index());
}
LaneStream::~LaneStream() = default;

void LaneStream::Synchronize() {
  if (impl_->stream) impl_->stream->synchronize();
}

struct LaneStream::Scope::Impl {
  std::optional<c10::cuda::CUDAStreamGuard> guard;
};

LaneStream::Scope::Scope(LaneStream* lane) : impl_(std::make_unique<Impl>()) {
  if (lane != nullptr && lane->impl_->stream) impl_->guard.emplace(*lane->impl_->stream);
}
LaneStream::Scope::~Scope() = default;

#else

bool CudaGraphsSupported() { return false; }
void* CurrentCudaStream(const c10::Device&) { return nullptr; }

struct LaneStream::Impl {};
LaneStream::LaneStream(const c10::Device&) {}
LaneStream::~LaneStream() = default;
void LaneStream::Synchronize() {}
struct LaneStream::Scope::Impl {};
LaneStream::Scope::Scope(LaneStream*) {}
LaneStream::Scope::~Scope() = default;

struct CudaGraph::Impl {};
CudaGraph::CudaGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaGraph::~CudaGraph() = default;

absl::StatusOr<std::unique_ptr<CudaGraph>> CudaGraph::Capture(const c10::Device& device, CudaGraphPool*,
                                                              const std::function<absl::Status()>&) {
  return absl::UnimplementedError(
      absl::StrCat("cuda graph capture on ", device.str(), ": libxsd was built without CUDA"));
}

absl::Status CudaGraph::Replay() { return absl::UnimplementedError("cuda graph replay: libxsd was built without CUDA"); }

struct DeviceFence::Impl {};
DeviceFence::DeviceFence(const c10::Device&) {}
DeviceFence::~DeviceFence() = default;
void DeviceFence::Record() {}
void DeviceFence::Wait() {}

#endif

}  // namespace xsd
