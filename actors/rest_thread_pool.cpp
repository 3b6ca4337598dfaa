#include "actors/rest_thread_pool.h"

#include <algorithm>

namespace eddy {

GrowingThreadPool::GrowingThreadPool(size_t initial, size_t max) : max_(std::max<size_t>({max, initial, 1})) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < initial; ++i) threads_.emplace_back([this] { work(); });
}

GrowingThreadPool::~GrowingThreadPool() { shutdown(); }

void GrowingThreadPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  jobs_.push_back(std::move(fn));
  // Every idle thread may already have a job waiting for it: count them.
  if (idle_ < jobs_.size() && threads_.size() < max_) threads_.emplace_back([this] { work(); });
  wake_.notify_one();
}

void GrowingThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

size_t GrowingThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

void GrowingThreadPool::work() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      fn = std::move(jobs_.front());
      jobs_.pop_front();
    }
    fn();
  }
}

}  // namespace eddy
