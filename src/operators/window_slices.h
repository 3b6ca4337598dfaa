// Tumbling and sliding windows over slices of gcd(size, slide) (docs/windows.md):
// a record updates the one slice holding it; a firing window merges the
// accumulators of its slices. Each key's slices and its next window end are
// one state value (state "window_slices", namespace 0), so a batch costs one
// state lookup per key and a firing window one more. With emit_every, the
// ends of the slices that changed go to WindowChanges. Used by
// WindowAggregateOperator, which owns it.
#pragma once

#include <msgpack.hpp>

#include <vector>

#include "operators/aggregate_accumulators.h"
#include "operators/window_assigner.h"
#include "operators/window_changes.h"
#include "operators/window_store.h"
#include "operators/window_timers.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// The accumulators of a key's records in [end - slice, end).
struct Slice {
  int64_t end = 0;
  WindowAccumulator acc;
  MSGPACK_DEFINE(end, acc);
};

/// The window state of one key.
struct KeySlices {
  /// The end of the next window to fire: the key's one timer.
  int64_t next_window = 0;
  /// Open slices, ascending by end; a slice goes once its last window fired.
  std::vector<Slice> slices;
  MSGPACK_DEFINE(next_window, slices);
};

/// Timers, as in Flink's slice-shared window operator: a key waits for one
/// window end at a time, the first open window holding any of its slices.
/// When it fires, the key moves on to the next window end holding a slice; a
/// new slice whose first open window comes earlier moves the timer back (the
/// index entry left behind no longer matches next_window and is skipped). So
/// every window with records fires, once.
class SliceStore final : public WindowStore {
 public:
  /// A tumbling window is a sliding one with slide = size. `changes`: where
  /// changed slices go with emit_every, else null (nothing is tracked).
  SliceStore(int64_t size, int64_t slide, KeyedStateBackend& backend, WindowTimers& timers,
             const AggregateEvaluator& aggregates, WindowChanges* changes = nullptr);

  int64_t last_window_end(int64_t t) const override { return assigner_.last_window_end(t); }
  void add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows, size_t n,
           int64_t fired_through) override;
  Status fire(int64_t end, int64_t through, WindowOutput& output) override;
  /// The open windows are those from the key's next_window on; a window
  /// changed when one of its slices did.
  Status emit_changed(WindowOutput& output) override;
  void add_timers_from_state() override;

 private:
  /// The slice of `state` ending at `slice_end`, created when absent (moving
  /// the key's timer to its first open window when that comes earlier).
  WindowAccumulator& slice(KeySlices& state, int64_t slice_end, int64_t fired_through);
  /// Emits the window of `state` ending at `end` and drops the slices whose
  /// last window it was.
  Status fire_window(KeySlices& state, int64_t end, WindowOutput& output);
  /// The accumulators of slices [first, last) together (first < last): the
  /// one slice's own, or merged_.
  const WindowAccumulator& combine(const Slice* first, const Slice* last);

  SliceAssigner assigner_;
  KeyedStateBackend& backend_;
  WindowTimers& timers_;
  const AggregateEvaluator& aggregates_;
  WindowChanges* changes_;
  ValueState<KeySlices>& state_;
  WindowAccumulator merged_;  // scratch: a window of several slices
};

}  // namespace eddy
