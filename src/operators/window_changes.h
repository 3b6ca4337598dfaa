// What changed in the windows of each key since their last partial rows
// (emit_every, docs/windows.md). Per key, keyed state "window_changes"
// (namespace 0) holds the sorted ids of the changed parts -- slice ends in
// SliceStore, session starts in SessionStore -- and an index lists the keys
// holding such an entry, so an emission visits only those. The entry goes once
// the key's partial rows are out (or its windows are gone): a quiet key costs
// no state. A state of its own, registered only with emit_every, so windows
// without it keep their one state, laid out as before, at no cost. Owned by
// WindowAggregateOperator; its window store updates it.
#pragma once

#include <cstdint>
#include <vector>

#include "operators/window_timers.h"
#include "state/keyed_state_backend.h"

namespace eddy {

class WindowChanges {
 public:
  explicit WindowChanges(KeyedStateBackend& backend);

  /// The current key's changed ids, created (and the key listed) when absent;
  /// the caller marks at least one id in them.
  std::vector<int64_t>& current();
  /// Adds `id` to `changed`, kept sorted and unique (ids mostly come ascending).
  static void mark(std::vector<int64_t>& changed, int64_t id);
  /// True when `changed` holds an id in [lo, hi].
  static bool any_between(const std::vector<int64_t>& changed, int64_t lo, int64_t hi);
  /// The current key's changed ids, or null when nothing changed.
  const std::vector<int64_t>* find() { return state_.get(0); }
  /// Forgets the current key's changes: its partial rows went out, or its windows are gone.
  void clear() { state_.clear(0); }
  /// Moves the listed keys into `keys`, in the order they first changed, and
  /// empties the list. A key may be listed twice when its changes were cleared
  /// and came again; the second visit finds nothing left to emit.
  void take_keys(std::vector<TimerKey>& keys);
  /// Lists every key that has changes in state, replacing the list: the
  /// index is not state, so this rebuilds it after state was restored.
  void add_keys_from_state();

 private:
  KeyedStateBackend& backend_;
  ValueState<std::vector<int64_t>>& state_;
  std::vector<TimerKey> keys_;
};

}  // namespace eddy
