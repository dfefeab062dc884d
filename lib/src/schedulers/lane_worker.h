// One long-lived thread that runs the prefill-hiding lanes of a scheduler one
// after another. A thread per request would pay its start and exit on every
// request (stack mapping, the runtime's per-thread buffers, and on exit the
// unmapping that interrupts the core the target computes on: the target's
// prefill measured 4x slower beside per-request lane threads on 2 cores).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace xsd::internal {

class LaneWorker {
 public:
  // `thread_state` wraps every piece of work (SchedulerOptions::lane_thread_state);
  // empty runs it as it is. The thread starts with the first Post.
  explicit LaneWorker(std::function<void(const std::function<void()>&)> thread_state)
      : thread_state_(std::move(thread_state)) {}
  ~LaneWorker();  // runs what was posted, then joins
  LaneWorker(const LaneWorker&) = delete;
  LaneWorker& operator=(const LaneWorker&) = delete;

  // Queues `work`; the future is ready when it has run.
  std::future<void> Post(std::function<void()> work);

 private:
  void Loop();

  std::function<void(const std::function<void()>&)> thread_state_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace xsd::internal
