// CUDA graphs and a host-staging fence, behind a header without CUDA types,
// so the model code that uses them compiles with any libtorch (Debian's CPU
// 1.13 included; there Capture reports Unimplemented and the fence is a no-op).
//
// CudaGraph::Capture runs a body of ATen calls once under stream capture on a
// side stream of the device (cudaStreamCaptureModeThreadLocal: other threads,
// e.g. the drafter lane of prefill hiding, may keep launching work meanwhile);
// nothing executes during capture. Replay launches the whole recorded
// sequence on the device's current stream with one call. Every tensor the
// body reads or writes must keep its address between replays: callers
// capture over preallocated buffers (KV caches, staging buffers) and read the
// outputs the body left in the graph's pool.
//
// CudaGraphPool: graphs of one owner that are replayed one at a time (the step
// graphs of one sequence) share one memory pool, so their intermediates
// reuse the same memory; outputs still referenced stay reserved.
//
// DeviceFence: Record after queueing a copy from a host staging buffer; Wait
// before overwriting that buffer (returns at once when the copy already ran).
//
// LaneStream: a side stream of one device for a lane that shares the device
// with another (one-GPU prefill hiding: the drafter's lane); while a
// LaneStream::Scope lives, the calling thread's work on that device goes to
// the side stream, so it overlaps the other lane's work on the default
// stream. No-op on CPU devices and CPU builds.
//
// Ownership: CudaGraph owns the captured graph; the pool outlives its graphs
// (declare it before them). Not thread-safe: one owner thread each.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include <c10/core/Device.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xsd {

// True when libxsd was built with CUDA and a CUDA device is present.
bool CudaGraphsSupported();

// The calling thread's current CUDA stream on `device` (a cudaStream_t), for
// launching libxsd's own kernels; nullptr on CPU devices and CPU builds.
void* CurrentCudaStream(const c10::Device& device);

class CudaGraphPool {
 public:
  CudaGraphPool() = default;

 private:
  friend class CudaGraph;
  bool valid_ = false;
  std::pair<unsigned long long, unsigned long long> id_{0, 0};
};

class CudaGraph {
 public:
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // `pool` may be null (a private pool). `body` must not synchronise with
  // the host (no .item(), no host copies); its error, or a capture error,
  // comes back as the Status.
  static absl::StatusOr<std::unique_ptr<CudaGraph>> Capture(const c10::Device& device, CudaGraphPool* pool,
                                                            const std::function<absl::Status()>& body);
  absl::Status Replay();

 private:
  struct Impl;
  explicit CudaGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DeviceFence {
 public:
  explicit DeviceFence(const c10::Device& device);
  ~DeviceFence();
  DeviceFence(const DeviceFence&) = delete;
  DeviceFence& operator=(const DeviceFence&) = delete;

  void Record();  // on the device's current stream; no-op on CPU
  void Wait();    // blocks until the recorded work ran; no-op when nothing is pending

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class LaneStream {
 public:
  explicit LaneStream(const c10::Device& device);
  ~LaneStream();
  LaneStream(const LaneStream&) = delete;
  LaneStream& operator=(const LaneStream&) = delete;

  class Scope {
   public:
    explicit Scope(LaneStream* lane);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

  // Blocks until the work queued on the side stream ran (before another
  // stream reads what it wrote).
  void Synchronize();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xsd
