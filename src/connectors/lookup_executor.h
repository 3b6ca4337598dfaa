// LookupExecutor: the I/O threads of one lookup-join subtask. Each thread owns
// one LookupClient (connection) and runs the lookups submitted to a shared
// queue; finished ones wait in a completion list the operator collects
// without blocking (or blocks on, when its buffer is full). The operator's
// thread only submits and collects; stop() (and the destructor) drain nothing,
// they end the threads after their current lookup.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "connectors/lookup_client.h"

namespace eddy {

/// A lookup to run: `keys` asked for in one round trip, known by `id`.
struct LookupTask {
  uint64_t id = 0;
  std::vector<LookupKeyText> keys;
};

/// A finished lookup.
struct LookupDone {
  uint64_t id = 0;
  LookupReply reply;
};

class LookupExecutor {
 public:
  /// One thread per client; `timeout_ms` bounds each lookup's wait for its server.
  LookupExecutor(std::vector<std::unique_ptr<LookupClient>> clients, int64_t timeout_ms);
  ~LookupExecutor();
  LookupExecutor(const LookupExecutor&) = delete;
  LookupExecutor& operator=(const LookupExecutor&) = delete;

  void submit(LookupTask task);
  /// Moves the finished lookups to `out`. When there are none, waits up to
  /// `wait_ms` for one (0: returns at once).
  void collect(std::vector<LookupDone>& out, int64_t wait_ms);
  /// Lookups submitted and not yet collected.
  size_t outstanding() const { return outstanding_; }
  void stop();

 private:
  void run(LookupClient& client);

  int64_t timeout_ms_;
  std::vector<std::unique_ptr<LookupClient>> clients_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<LookupTask> queue_;   // guarded by mu_
  std::vector<LookupDone> done_;   // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  size_t outstanding_ = 0;         // the operator's thread only
};

}  // namespace eddy
