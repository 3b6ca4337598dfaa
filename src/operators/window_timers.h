// The timer index of session windows (SessionStore), in the manner of Flink's
// InternalTimerService: which keys have a window ending at which time, ordered
// by time, so a watermark fires what is due without scanning state. The
// timers themselves are keyed state: each key's sessions record the end of
// its next one, so this index can be rebuilt from a snapshot and an entry
// whose key has moved on is stale and skipped. Owned by the operator; one per
// subtask. (Sliding and tumbling windows index keys by slice: SliceKeys.)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "operators/operator.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// A key with a pending timer, as KeyedStateBackend::set_current_key takes it.
struct TimerKey {
  int32_t key_group = 0;
  std::string key;
};

class WindowTimers {
 public:
  /// `processing_timers`: on processing time, the host's timer service, asked
  /// for one timer per distinct window end; null on event time (watermarks fire).
  WindowTimers(const KeyedStateBackend& backend, TimerService* processing_timers);

  /// Adds a timer at window end `end` for the backend's current key.
  void add(int64_t end) { add(end, backend_.current_key_group(), backend_.current_key()); }
  /// Adds a timer at window end `end` for `key` of `key_group`.
  void add(int64_t end, int32_t key_group, const std::string& key);
  /// True when some timer has end <= `through`.
  bool due(int64_t through) const { return !index_.empty() && index_.begin()->first <= through; }
  /// Forgets every timer (before a rebuild from restored state). Timers the
  /// host's service already holds stay there; when delivered they find nothing due.
  void clear() { index_.clear(); }
  /// Removes the earliest end from the index, moving its keys into `keys`, and returns it.
  int64_t pop_earliest(std::vector<TimerKey>& keys);

 private:
  const KeyedStateBackend& backend_;
  TimerService* processing_timers_;
  std::map<int64_t, std::vector<TimerKey>> index_;
};

}  // namespace eddy
