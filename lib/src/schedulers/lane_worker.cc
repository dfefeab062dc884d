#include "lane_worker.h"

#include <utility>

namespace xsd::internal {

LaneWorker::~LaneWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::future<void> LaneWorker::Post(std::function<void()> work) {
  std::packaged_task<void()> task([this, work = std::move(work)] {
    if (thread_state_) {
      thread_state_(work);
    } else {
      work();
    }
  });
  std::future<void> done = task.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  }
  wake_.notify_one();
  return done;
}

void LaneWorker::Loop() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace xsd::internal
