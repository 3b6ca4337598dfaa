// The timer index of SliceStore (tumbling and sliding windows): for each open
// slice, the keys with records in it, each appended once, when its first
// record opens the slice. A window fires by walking the lists of its slices,
// so firing writes nothing here, and nothing in a key's state but the slices
// it drops. That keeps the pages a firing writes few, which is what a forked
// snapshot process costs the subtask (docs/checkpoints.md). A list goes when
// the last window of its slice has fired.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "operators/window_timers.h"

namespace eddy {

class SliceKeys {
 public:
  /// Adds `key` of `key_group` to the list of the slice ending at `slice_end`;
  /// true when that slice had no list before.
  bool add(int64_t slice_end, int32_t key_group, const std::string& key);
  bool empty() const { return lists_.empty(); }
  /// The end of the earliest slice with a list; the index must not be empty.
  int64_t earliest() const { return lists_.begin()->first; }
  /// The end of the latest slice with a list; the index must not be empty.
  int64_t latest() const { return lists_.rbegin()->first; }
  /// Calls fn(slice_end, keys) for the list of every slice ending in
  /// [first, last], the latest slice first; stops at the first error.
  template <typename Fn>
  Status for_each_latest_first(int64_t first, int64_t last, Fn&& fn) const {
    auto stop = lists_.lower_bound(first);
    for (auto it = lists_.upper_bound(last); it != stop;) {
      --it;
      EDDY_RETURN_IF_ERROR(fn(it->first, it->second));
    }
    return Status::ok();
  }
  /// Drops the lists of the slices ending at or before `slice_end`.
  void drop_through(int64_t slice_end) { lists_.erase(lists_.begin(), lists_.upper_bound(slice_end)); }
  void clear() { lists_.clear(); }

 private:
  std::map<int64_t, std::vector<TimerKey>> lists_;
};

}  // namespace eddy
