// A subtask's current activity and its time split (runtime/subtask_activity.h).
// Written by the subtask's thread only; the atomics let a task manager read
// the current activity from another thread for `stacks`.
#include "runtime/subtask_activity.h"

#include <algorithm>

namespace eddy {

const char* activity_name(Activity a) {
  switch (a) {
    case Activity::kIdle: return "idle";
    case Activity::kProcessing: return "processing";
    case Activity::kBackpressured: return "backpressured";
    case Activity::kAligning: return "aligning";
    case Activity::kSnapshotting: return "snapshotting";
    case Activity::kFiringTimers: return "firing timers";
  }
  return "idle";
}

namespace {
enum class Bucket { kBusy, kBackpressured, kIdle };

// Waiting for the last barriers of an alignment is waiting for input, so it
// counts as idle, as Flink's idle time counts it.
Bucket bucket_of(Activity a) {
  switch (a) {
    case Activity::kIdle:
    case Activity::kAligning: return Bucket::kIdle;
    case Activity::kBackpressured: return Bucket::kBackpressured;
    default: return Bucket::kBusy;
  }
}
}  // namespace

void SubtaskActivity::enter(Activity a, int64_t now_ns, int32_t edge, int32_t channel, int64_t aux) {
  const Activity was = current_.load(std::memory_order_relaxed);
  const int64_t since = since_ns_.load(std::memory_order_relaxed);
  // The first call starts the clock: nothing before it is counted.
  if (started_ && now_ns > since) {
    const int64_t spent = now_ns - since;
    switch (bucket_of(was)) {
      case Bucket::kBusy: busy_ns_ += spent; break;
      case Bucket::kBackpressured: backpressured_ns_ += spent; break;
      case Bucket::kIdle: idle_ns_ += spent; break;
    }
  }
  since_ns_.store(started_ ? std::max(now_ns, since) : now_ns, std::memory_order_relaxed);
  started_ = true;
  edge_.store(edge, std::memory_order_relaxed);
  channel_.store(channel, std::memory_order_relaxed);
  aux_.store(aux, std::memory_order_relaxed);
  current_.store(a, std::memory_order_relaxed);
}

int64_t SubtaskActivity::running(Activity which, int64_t now_ns) const {
  const Activity cur = current_.load(std::memory_order_relaxed);
  if (!started_ || bucket_of(cur) != bucket_of(which)) return 0;
  const int64_t since = since_ns_.load(std::memory_order_relaxed);
  return now_ns > since ? now_ns - since : 0;
}

int64_t SubtaskActivity::busy_ns(int64_t now_ns) const {
  return busy_ns_ + running(Activity::kProcessing, now_ns);
}

int64_t SubtaskActivity::backpressured_ns(int64_t now_ns) const {
  return backpressured_ns_ + running(Activity::kBackpressured, now_ns);
}

int64_t SubtaskActivity::idle_ns(int64_t now_ns) const {
  return idle_ns_ + running(Activity::kIdle, now_ns);
}

}  // namespace eddy
