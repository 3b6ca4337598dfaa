// Tumbling and sliding windows over slices of gcd(size, slide), cumulating
// windows over slices of their step (docs/windows.md):
// a record updates the one slice holding it; a firing window merges the
// accumulators of its slices. Each key's slices are one state value (state
// "window_slices", namespace 0), so a batch costs one state lookup per key.
// Timers are not per key: SliceKeys lists, per slice, the keys with records
// in it, and a window fires by walking the lists of its slices. Firing so
// writes only the slices it drops: a snapshot's child process then costs the
// subtask few page copies (docs/checkpoints.md). With emit_every, the ends of
// the slices that changed go to WindowChanges. Used by WindowAggregateOperator,
// which owns it.
#pragma once

#include <absl/container/inlined_vector.h>
#include <msgpack.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "operators/aggregate_accumulators.h"
#include "operators/msgpack_inlined_vector.h"
#include "operators/operator.h"
#include "operators/window_assigner.h"
#include "operators/window_changes.h"
#include "operators/window_slice_keys.h"
#include "operators/window_store.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// The accumulators of a key's records in [end - slice, end).
struct Slice {
  int64_t end = 0;
  WindowAccumulator acc;
  MSGPACK_DEFINE(end, acc);
};

/// The window state of one key: its open slices, ascending by end; a slice
/// goes once its last window fired. The first slice sits in the key's node:
/// most keys of a job with many keys have one, and a firing then reads one
/// node, not a node and the buffer it points to.
struct KeySlices {
  absl::InlinedVector<Slice, 1> slices;
  MSGPACK_DEFINE(slices);
};

/// Windows fire key by key, a key's due windows in end order, from the lists
/// of their slices. A key is in the list of every slice it has, and fires
/// from the list of its last slice due (the lists are walked latest first),
/// so once, even when that firing drops its earlier slices.
class SliceStore final : public WindowStore {
 public:
  /// `windows`: tumbling, sliding or cumulating. `processing_timers`:
  /// on processing time the host's timer service, asked for one timer per
  /// window end that holds records; null on event time. `changes`: where
  /// changed slices go with emit_every, else null (nothing is tracked).
  /// `lateness`: how long a fired window stays for late records (event time),
  /// which then update it.
  SliceStore(SliceAssigner windows, KeyedStateBackend& backend, TimerService* processing_timers,
             const AggregateEvaluator& aggregates, WindowChanges* changes = nullptr, int64_t lateness = 0);

  int64_t last_window_end(int64_t t) const override { return assigner_.last_window_end(t); }
  Status add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows, size_t n,
             WindowOutput& output) override;
  Status fire_through(int64_t through, int64_t cleanup_through, WindowOutput& output,
                      Collector& out) override;
  /// The open windows of a key are those after the last one fired that hold
  /// one of its slices; a window changed when one of its slices did.
  Status emit_changed(WindowOutput& output) override;
  Status add_timers_from_state(const std::vector<RestoredKeyGroups>& restored) override;

 private:
  /// The slice of `state` ending at `slice_end`, created (and the key listed
  /// for it) when absent.
  WindowAccumulator& slice(KeySlices& state, int64_t slice_end);
  /// Emits the row of every window ending at or before `through` not fired
  /// before; `drop_lists`: then drops the lists of the slices whose last
  /// window that was (no allowed_lateness: fire_window dropped the slices).
  Status emit_through(int64_t through, bool drop_lists, WindowOutput& output, Collector& out);
  /// Drops every key's slices whose last window ends at or before `cleanup`
  /// (allowed_lateness: they outlived their windows' firing).
  Status clean_through(int64_t cleanup);
  /// The last window end at or before `t` that a listed slice can be in
  /// (keys_ must not be empty).
  int64_t window_end_through(int64_t t) const;
  /// The slices of `state` in the window ending at `end`: [first, last), empty when none.
  std::pair<const Slice*, const Slice*> window_slices(const KeySlices& state, int64_t end) const;
  /// Rows rows[0..n) of `batch` fall in the slice ending at `slice_end`, some
  /// of whose windows fired and are kept for lateness: adds them and emits
  /// each such window's change (-U old row, +U new; +I when it had no row).
  Status update_fired(KeySlices& state, int64_t slice_end, int64_t fired, const RecordBatch& batch,
                      const uint32_t* rows, size_t n, WindowOutput& output);
  /// Fires every window of key `k` that ends at or before `last_end` and has
  /// not fired, when `slice_end` is its last slice up to `last_end` (a key is
  /// in the list of each of its slices, and fires once).
  Status fire_key(const TimerKey& k, int64_t slice_end, int64_t last_end, WindowOutput& output);
  /// Emits the window of `state` ending at `end` (unless it fired before a
  /// restore) and drops the slices whose last window it was.
  Status fire_window(KeySlices& state, int64_t end, WindowOutput& output);
  /// The accumulators of slices [first, last) together (first < last): the
  /// one slice's own, or merged_.
  const WindowAccumulator& combine(const Slice* first, const Slice* last);
  /// Every window of the current key ending at or before this has fired.
  int64_t fired_for_current_key() const;
  /// A restored slice this store can use: on the slice grid, with these aggregates' shape.
  Status check_restored(const Slice& s) const;
  /// Asks for processing timers at the window ends of a slice new to the index.
  void register_windows_of(int64_t slice_end);

  SliceAssigner assigner_;
  KeyedStateBackend& backend_;
  TimerService* processing_timers_;
  const AggregateEvaluator& aggregates_;
  WindowChanges* changes_;
  int64_t lateness_;
  ValueState<KeySlices>& state_;
  SliceKeys keys_;
  /// Every window ending at or before this has fired (INT64_MIN: none).
  int64_t fired_ = INT64_MIN;
  /// Every window ending at or before this is past its allowed lateness: its
  /// slices are gone (<= fired_; equal without lateness).
  int64_t cleaned_ = INT64_MIN;
  /// Processing time: timers are registered for every window end up to this.
  int64_t registered_ = INT64_MIN;
  /// After a restore, per owned key group (index kg - first owned): the
  /// windows through this had fired in the run the state came from.
  std::vector<int64_t> restored_fired_;
  WindowAccumulator merged_;  // scratch: a window of several slices
  std::vector<std::optional<WindowAccumulator>> before_;  // scratch: fired windows' results before an update
  std::vector<int64_t> updated_ends_;      // scratch: which fired windows an update changes
};

}  // namespace eddy
