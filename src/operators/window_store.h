// What differs between window types inside WindowAggregateOperator: where the
// rows of a key go in keyed state (with the key's next timer), what a due
// timer fires, and which open windows changed (emit_every). SliceStore
// (tumbling, sliding) and SessionStore implement it; the operator owns one and
// calls it with the backend's current key already set.
#pragma once

#include <cstdint>

#include "core/record_batch.h"
#include "core/status.h"
#include "operators/window_output.h"

namespace eddy {

class WindowStore {
 public:
  virtual ~WindowStore() = default;

  /// The end of the last window that contains time `t` (docs/windows.md, "Late
  /// records"): a record is late when that window has fired.
  virtual int64_t last_window_end(int64_t t) const = 0;
  /// Adds rows[0..n) of `batch`, all of the current key and none late, with
  /// times[row] their times. `fired_through`: every window ending at or
  /// before it has fired (the watermark minus the allowed lateness).
  virtual void add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows, size_t n,
                   int64_t fired_through) = 0;
  /// The current key's timer at window end `end` is due: emits every window
  /// of the key ending at or before `through` into `output` (all at once, so
  /// the key's state is looked up once), drops their state and registers the
  /// key's next timer. A stale timer (the key moved on) fires nothing.
  virtual Status fire(int64_t end, int64_t through, WindowOutput& output) = 0;
  /// emit_every (the store was given a WindowChanges): emits a partial row for
  /// every open window of the current key that holds records and changed since
  /// the key's last partial rows, then forgets the key's changes. Nothing when
  /// the key has no changes.
  virtual Status emit_changed(WindowOutput& output) = 0;
  /// Adds every key's timer, as its state records it, to the timer index: the
  /// index is not state, so this rebuilds it after state was restored.
  virtual void add_timers_from_state() = 0;
};

}  // namespace eddy
