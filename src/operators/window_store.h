// What differs between window types inside WindowAggregateOperator: where the
// rows of a key go in keyed state, how due windows are found and fired, and
// which open windows changed (emit_every). SliceStore (tumbling, sliding) and
// SessionStore implement it; the operator owns one and calls add and
// emit_changed with the backend's current key already set.
#pragma once

#include <cstdint>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "operators/fired_through_state.h"
#include "operators/operator.h"
#include "operators/window_output.h"

namespace eddy {

class WindowStore {
 public:
  virtual ~WindowStore() = default;

  /// The end of the last window that contains time `t` (docs/windows.md, "Late
  /// records"): a record is late when that window has fired.
  virtual int64_t last_window_end(int64_t t) const = 0;
  /// Adds rows[0..n) of `batch`, all of the current key and none late, with
  /// times[row] their times. A row that falls in a window that fired but is
  /// kept for allowed_lateness updates its result: the change goes to
  /// `output` (-U/+U, -D, +I; docs/windows.md "Allowed lateness").
  virtual Status add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows, size_t n,
                     WindowOutput& output) = 0;
  /// Fires every window ending at or before `through` (and not fired before)
  /// in end order: emits its row into `output`, emitting a full batch to
  /// `out`. Drops the state of every window ending at or before
  /// `cleanup_through` (<= through: the watermark minus the allowed
  /// lateness); a fired window after it is kept for late records. The
  /// current key is the store's to set.
  virtual Status fire_through(int64_t through, int64_t cleanup_through, WindowOutput& output,
                              Collector& out) = 0;
  /// emit_every (the store was given a WindowChanges): emits a partial row for
  /// every open window of the current key that holds records and changed since
  /// the key's last partial rows, then forgets the key's changes. Nothing when
  /// the key has no changes.
  virtual Status emit_changed(WindowOutput& output) = 0;
  /// Rebuilds the timer index from state after it was restored from
  /// `restored` (see WindowAggregateOperator::on_state_restored): the index is not
  /// state. Refuses state this store cannot use (accumulators of other
  /// aggregates, slices of another length) rather than work on it.
  virtual Status add_timers_from_state(const std::vector<RestoredKeyGroups>& restored) = 0;
};

}  // namespace eddy
