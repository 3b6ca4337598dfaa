// When an interval join may drop a key's rows: for each time slot, the keys
// holding a row that expires within it. A row schedules its own (slot, key)
// as it is stored, so nothing is rescheduled after a cleanup; a key with many
// rows in one slot is listed once. Slots are a sixteenth of the join's
// interval wide (1 ms to 1 s): rows stay at most that much longer than they
// must, and a schedule is one hash-set insert instead of ordered-tree work
// per row (a profile of Nexmark q7 put ordered-set scheduling at 30 % of the
// run). Held in memory (timers are not state); the operator rebuilds it from
// its keyed state on restore. Used by IntervalJoinOperator.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy {

class JoinExpiryIndex {
 public:
  using KeyRef = std::pair<int32_t, std::string>;  // key group, key bytes

  /// Slots of `interval_ms / 16`, at least 1 ms and at most 1 s.
  explicit JoinExpiryIndex(int64_t interval_ms = 0)
      : slot_ms_(std::clamp<int64_t>(interval_ms / 16, 1, 1000)) {}

  /// The key's rows may be dropped once `at` is due.
  void schedule(int64_t at, int32_t key_group, std::string_view key) {
    slots_[slot_of(at)].emplace(key_group, std::string(key));
  }

  /// Moves into `keys` the keys of the first slot whose every time is at or
  /// before `through`; false: no such slot.
  bool pop_due(int64_t through, std::vector<KeyRef>& keys) {
    keys.clear();
    if (slots_.empty() || !due(slots_.begin()->first, through)) return false;
    keys.assign(slots_.begin()->second.begin(), slots_.begin()->second.end());
    slots_.erase(slots_.begin());
    return true;
  }

  int64_t slot_ms() const { return slot_ms_; }
  /// (slot, key) entries held.
  size_t size() const {
    size_t n = 0;
    for (const auto& [slot, keys] : slots_) n += keys.size();
    return n;
  }
  void clear() { slots_.clear(); }

 private:
  int64_t slot_of(int64_t t) const { return t >= 0 ? t / slot_ms_ : -((-(t + 1)) / slot_ms_) - 1; }
  /// Whether slot s ends at or before `through`: the next time is in a later slot.
  bool due(int64_t s, int64_t through) const { return through == INT64_MAX || slot_of(through + 1) > s; }

  int64_t slot_ms_;
  std::map<int64_t, absl::flat_hash_set<KeyRef>> slots_;
};

}  // namespace eddy
