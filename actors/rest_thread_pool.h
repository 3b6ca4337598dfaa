// The REST API's worker threads: a cpp-httplib TaskQueue that starts a thread
// whenever every thread is busy, up to a maximum, and keeps it. cpp-httplib
// gives each connection a thread for as long as it is open, so a fixed pool
// of 8 was held by 8 slow clients; rest_server.cpp installs this one instead.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy {

class GrowingThreadPool final : public httplib::TaskQueue {
 public:
  /// Starts `initial` threads; grows to at most `max` (>= initial, >= 1).
  GrowingThreadPool(size_t initial, size_t max);
  ~GrowingThreadPool() override;

  /// Queues `fn`; starts a thread for it when none is idle and there is room.
  void enqueue(std::function<void()> fn) override;
  /// Runs what is queued, then joins every thread. Called once, by cpp-httplib.
  void shutdown() override;

  /// Threads started so far (for tests and logs).
  size_t threads() const;

 private:
  void work();

  const size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::vector<std::thread> threads_;        // guarded by mutex_
  size_t idle_ = 0;                         // threads waiting for a job; guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
};

}  // namespace eddy
