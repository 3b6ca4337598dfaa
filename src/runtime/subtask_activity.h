// What a subtask is doing right now, and where its time went. The subtask's
// thread moves it from one activity to the next; any thread may read the
// current one (the task manager answers `stacks` requests from it without
// waiting on the busy subtask). Cumulative busy / backpressured / idle time
// gives Flink's busyTimeMsPerSecond and its siblings (docs/monitoring.md).
#pragma once

#include <atomic>
#include <cstdint>

namespace eddy {

enum class Activity : uint8_t {
  kIdle,           // waiting for input
  kProcessing,     // running the chain on a batch or a source read
  kBackpressured,  // output ready, no credit: `edge`/`channel` name where
  kAligning,       // a checkpoint barrier came on some channels, not all: `aux` is its id
  kSnapshotting,   // taking a snapshot: `aux` is the checkpoint id
  kFiringTimers,   // processing-time or event-time timers
};

/// "idle", "processing", "backpressured", "aligning", "snapshotting", "firing timers".
const char* activity_name(Activity a);

class SubtaskActivity {
 public:
  /// Subtask thread: from now on the subtask does `a`.
  void enter(Activity a, int64_t now_ns, int32_t edge = -1, int32_t channel = -1, int64_t aux = 0);

  // Any thread.
  Activity current() const { return current_.load(std::memory_order_relaxed); }
  int64_t since_ns() const { return since_ns_.load(std::memory_order_relaxed); }
  int32_t edge() const { return edge_.load(std::memory_order_relaxed); }
  int32_t channel() const { return channel_.load(std::memory_order_relaxed); }
  int64_t aux() const { return aux_.load(std::memory_order_relaxed); }

  /// Subtask thread: cumulative time up to `now_ns`, from the first enter().
  /// Busy counts processing, snapshotting and firing timers; aligning is
  /// waiting for the last barriers, so it counts as idle, as in Flink, where
  /// idle time is time spent waiting for input.
  int64_t busy_ns(int64_t now_ns) const;
  int64_t backpressured_ns(int64_t now_ns) const;
  int64_t idle_ns(int64_t now_ns) const;

 private:
  int64_t running(Activity which, int64_t now_ns) const;

  std::atomic<Activity> current_{Activity::kIdle};
  std::atomic<int64_t> since_ns_{0};
  std::atomic<int32_t> edge_{-1};
  std::atomic<int32_t> channel_{-1};
  std::atomic<int64_t> aux_{0};
  int64_t busy_ns_ = 0, backpressured_ns_ = 0, idle_ns_ = 0;  // closed periods
  bool started_ = false;  // the first enter() starts the clock
};

}  // namespace eddy
