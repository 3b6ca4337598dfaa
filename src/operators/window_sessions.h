// Session windows of one key (docs/windows.md): a record opens [ts, ts + gap),
// which merges with every session of that key it overlaps or touches. The open sessions
// of a key live in keyed state as one SessionSet, so they are msgpack-packable.
// With emit_every, the starts of the sessions that changed go to WindowChanges.
// Used by WindowAggregateOperator.
#pragma once

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "operators/aggregate_accumulators.h"
#include "operators/window_changes.h"
#include "operators/window_store.h"
#include "operators/window_timers.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// One session: [start, end) with start = its first record's time and
/// end = its last record's time + gap, and the accumulators of its records.
/// `fired`: its row went out, and it is kept for allowed_lateness, so a late
/// record that joins it changes that row. Last in the packing, so state
/// packed before it existed reads as not fired (msgpack arrays may be shorter).
struct Session {
  int64_t start = 0;
  int64_t end = 0;
  WindowAccumulator acc;
  bool fired = false;
  MSGPACK_DEFINE(start, end, acc, fired);
};

/// The sessions of one key: ascending by start (so by end too), with room
/// between any two. Sessions that touch ([a, b) and [b, c)) merge, as in Flink
/// (TimeWindow.intersects): a record exactly `gap` after the last one joins
/// its session.
struct SessionSet {
  /// The key's one timer (SessionStore): at or before the earliest time a
  /// session is due, to fire (its end) or, fired, to go (its end + allowed
  /// lateness); a session may have grown since the timer was set.
  int64_t next_end = 0;
  std::vector<Session> sessions;
  MSGPACK_DEFINE(next_end, sessions);
};

/// Adds the interval [ts, ts + gap) to `set`: merges every session it overlaps
/// or touches (and their accumulators) into one, or inserts a new empty session. Returns
/// the index of the session that now holds `ts`; the caller adds the record to
/// its accumulator.
size_t add_to_sessions(SessionSet& set, int64_t ts, int64_t gap, const AggregateEvaluator& aggs);

/// Session windows in keyed state: one SessionSet per key (state
/// "window_sessions", namespace 0), so a batch costs one lookup per key.
/// A key waits for the earliest time one of its sessions is due: the end of
/// one not fired, or (allowed_lateness) the end + lateness of one that fired
/// and is kept for late records. When an earlier session
/// opens, the key's timer moves back: the index entry left behind no longer
/// matches next_end and is skipped (cheaper than deleting it). When the first
/// session grows, the timer stays and, once due, moves on to the new end.
class SessionStore final : public WindowStore {
 public:
  /// `changes`: where changed sessions go with emit_every, else null.
  /// `lateness`: how long a fired session stays for late records (event time).
  SessionStore(int64_t gap, KeyedStateBackend& backend, WindowTimers& timers,
               const AggregateEvaluator& aggregates, WindowChanges* changes = nullptr,
               int64_t lateness = 0);

  int64_t last_window_end(int64_t t) const override { return t + gap_; }
  Status add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows, size_t n,
             WindowOutput& output) override;
  /// Pops due timers from the index; each fires its key's sessions that end
  /// at or before `through` and drops the fired ones ending at or before
  /// `cleanup_through`, all at once (one state lookup), unless the key moved
  /// on (a stale timer).
  Status fire_through(int64_t through, int64_t cleanup_through, WindowOutput& output,
                      Collector& out) override;
  /// Every session in state is open (fired ones are gone). A session changed
  /// when records joined it or sessions merged into it (its start is then
  /// marked); a session merged away is gone, its records in the one it joined.
  Status emit_changed(WindowOutput& output) override;
  Status add_timers_from_state(const std::vector<RestoredKeyGroups>& restored) override;

 private:
  /// The current key's timer at `end` is due: fires its sessions that end at
  /// or before `through`, drops the fired ones ending at or before `cleanup`,
  /// and sets its next timer; nothing when it is stale.
  Status fire_key(int64_t end, int64_t through, int64_t cleanup, WindowOutput& output);
  /// When `s` is next due: its end, or fired, its end + the allowed lateness.
  int64_t due_time(const Session& s) const;
  /// The earliest due_time of `set`'s sessions (not empty).
  int64_t next_due(const SessionSet& set) const;
  /// True when the record at `ts` meets a fired session or makes one that is
  /// due already (allowed_lateness): add_late handles it.
  bool meets_fired(const SessionSet& set, int64_t ts) const;
  /// Adds row `row` of `batch` at `ts`, which meets_fired: -U/+U of the one
  /// fired session it falls in, or -D of every fired session it merges, then
  /// +I of the merged session when its end has passed (else it fires later).
  Status add_late(SessionSet& set, int64_t ts, const RecordBatch& batch, const uint32_t* row,
                  WindowOutput& output);

  int64_t gap_;
  KeyedStateBackend& backend_;
  WindowTimers& timers_;
  const AggregateEvaluator& aggregates_;
  WindowChanges* changes_;
  ValueState<SessionSet>& sessions_;
  int64_t lateness_;
  /// Every session ending at or before this has fired (the watermark).
  int64_t fired_ = INT64_MIN;
  std::vector<TimerKey> due_;  // per firing, reused
};

}  // namespace eddy
