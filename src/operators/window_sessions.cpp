// Session merging (a binary search for the overlapping run, then one merge)
// and SessionStore, which keeps each key's sessions as one state value.
#include "operators/window_sessions.h"

#include <algorithm>

#include "operators/changelog_rows.h"
#include "operators/window_assigner.h"

namespace eddy {

size_t add_to_sessions(SessionSet& set, int64_t ts, int64_t gap, const AggregateEvaluator& aggs) {
  const int64_t start = ts;
  const int64_t end = ts + gap;
  auto& s = set.sessions;
  // Sessions merge when they intersect as Flink's TimeWindow.intersects has it
  // (start <= other end and end >= other start), so touching ones merge too.
  // Apart and sorted by start, so ends ascend too: the sessions to merge are the
  // run from the first with end >= start to the last with start <= end.
  auto first = std::lower_bound(s.begin(), s.end(), start,
                                [](const Session& x, int64_t t) { return x.end < t; });
  auto last = first;
  while (last != s.end() && last->start <= end) ++last;
  if (first == last) {
    Session fresh;
    fresh.start = start;
    fresh.end = end;
    fresh.acc = aggs.make();
    const auto it = s.insert(first, std::move(fresh));  // may reallocate: begin() after it
    return static_cast<size_t>(it - s.begin());
  }
  Session& keep = *first;
  keep.start = std::min(keep.start, start);
  keep.end = std::max((last - 1)->end, end);
  for (auto it = first + 1; it != last; ++it) aggs.merge(keep.acc, it->acc);
  const size_t index = static_cast<size_t>(first - s.begin());
  s.erase(first + 1, last);
  return index;
}

SessionStore::SessionStore(int64_t gap, KeyedStateBackend& backend, WindowTimers& timers,
                           const AggregateEvaluator& aggregates, WindowChanges* changes,
                           int64_t lateness)
    : gap_(gap),
      backend_(backend),
      timers_(timers),
      aggregates_(aggregates),
      changes_(changes),
      sessions_(backend.value_state<SessionSet>("window_sessions", Namespaces::kZeroOnly)),
      lateness_(lateness) {}

int64_t SessionStore::due_time(const Session& s) const {
  return s.fired ? saturating_add(s.end, lateness_) : s.end;
}

int64_t SessionStore::next_due(const SessionSet& set) const {
  int64_t next = INT64_MAX;
  for (const Session& s : set.sessions) next = std::min(next, due_time(s));
  return next;
}

bool SessionStore::meets_fired(const SessionSet& set, int64_t ts) const {
  if (lateness_ == 0) return false;  // fired sessions are gone at once, records after them
  if (ts + gap_ <= fired_) return true;
  const auto& s = set.sessions;
  auto it = std::lower_bound(s.begin(), s.end(), ts, [](const Session& x, int64_t t) { return x.end < t; });
  for (; it != s.end() && it->start <= ts + gap_; ++it)
    if (it->fired) return true;
  return false;
}

Status SessionStore::add_late(SessionSet& set, int64_t ts, const RecordBatch& batch,
                              const uint32_t* row, WindowOutput& output) {
  const std::string& key = backend_.current_key();
  auto& s = set.sessions;
  auto first = std::lower_bound(s.begin(), s.end(), ts, [](const Session& x, int64_t t) { return x.end < t; });
  auto last = first;
  while (last != s.end() && last->start <= ts + gap_) ++last;
  // Inside one fired session: its bounds stay, its row is updated.
  if (last - first == 1 && first->fired && first->start <= ts && ts + gap_ <= first->end) {
    const WindowAccumulator before = first->acc;
    aggregates_.update(first->acc, batch, row, 1);
    EDDY_RETURN_IF_ERROR(output.add_change(kOpUpdateBefore, key, first->start, first->end, before));
    return output.add_change(kOpUpdateAfter, key, first->start, first->end, first->acc);
  }
  // Otherwise the session's bounds change: the rows of the fired sessions it
  // replaces go, and the merged session's row comes when it is due.
  for (auto it = first; it != last; ++it)
    if (it->fired) EDDY_RETURN_IF_ERROR(output.add_change(kOpDelete, key, it->start, it->end, it->acc));
  Session& merged = s[add_to_sessions(set, ts, gap_, aggregates_)];
  aggregates_.update(merged.acc, batch, row, 1);
  merged.fired = merged.end <= fired_;
  if (merged.fired) return output.add(key, merged.start, merged.end, merged.acc);
  return Status::ok();
}

Status SessionStore::add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows,
                         size_t n, WindowOutput& output) {
  // Without allowed_lateness fired sessions are gone from state, so a record
  // that is not late can only meet open ones. With it, add_late handles the
  // records that meet fired ones.
  SessionSet& set = sessions_.get_or_create(0);
  const bool had_timer = !set.sessions.empty();
  std::vector<int64_t>* changed = changes_ != nullptr ? &changes_->current() : nullptr;
  for (size_t k = 0; k < n; ++k) {
    const int64_t ts = times[rows[k]];
    if (meets_fired(set, ts)) {
      EDDY_RETURN_IF_ERROR(add_late(set, ts, batch, rows + k, output));
      continue;
    }
    const size_t index = add_to_sessions(set, ts, gap_, aggregates_);
    aggregates_.update(set.sessions[index].acc, batch, rows + k, 1);
    // A session's start only moves when it takes a record, which marks the
    // new start; so a marked start that matches a session is a changed one.
    if (changed != nullptr) WindowChanges::mark(*changed, set.sessions[index].start);
  }
  // The timer only ever moves earlier here; a session that grew is found
  // still open when its old end comes, and the timer moves on then. So a key
  // whose session keeps growing leaves no trail of stale index entries.
  const int64_t next = lateness_ > 0 ? next_due(set) : set.sessions.front().end;
  if (!had_timer || next < set.next_end) {
    set.next_end = next;
    timers_.add(next);
  }
  return Status::ok();
}

Status SessionStore::fire_through(int64_t through, int64_t cleanup_through, WindowOutput& output,
                                  Collector& out) {
  fired_ = std::max(fired_, through);
  while (timers_.due(through)) {
    const int64_t end = timers_.pop_earliest(due_);
    for (const TimerKey& k : due_) {
      backend_.set_current_key(k.key, k.key_group);
      EDDY_RETURN_IF_ERROR(fire_key(end, through, cleanup_through, output));
      EDDY_RETURN_IF_ERROR(output.emit_if_full(out));
    }
  }
  return Status::ok();
}

Status SessionStore::fire_key(int64_t end, int64_t through, int64_t cleanup, WindowOutput& output) {
  SessionSet* set = sessions_.get(0);
  if (set == nullptr || set->next_end != end) return Status::ok();  // a stale timer
  auto& sessions = set->sessions;
  for (Session& s : sessions) {
    if (s.end > through) break;  // ends ascend
    if (s.fired) continue;
    EDDY_RETURN_IF_ERROR(output.add(backend_.current_key(), s.start, s.end, s.acc));
    s.fired = true;
  }
  // Fired sessions past their lateness (all fired ones without it) go: a prefix,
  // as every session ending by cleanup <= through has fired now.
  size_t gone = 0;
  while (gone < sessions.size() && sessions[gone].end <= cleanup) ++gone;
  sessions.erase(sessions.begin(), sessions.begin() + static_cast<std::ptrdiff_t>(gone));
  if (sessions.empty()) {
    sessions_.clear(0);
    if (changes_ != nullptr) changes_->clear();
    return Status::ok();
  }
  set->next_end = next_due(*set);
  timers_.add(set->next_end);
  return Status::ok();
}

Status SessionStore::emit_changed(WindowOutput& output) {
  const std::vector<int64_t>* changed = changes_ != nullptr ? changes_->find() : nullptr;
  if (changed == nullptr) return Status::ok();
  if (SessionSet* set = sessions_.get(0)) {
    for (const Session& s : set->sessions)
      if (std::binary_search(changed->begin(), changed->end(), s.start))
        EDDY_RETURN_IF_ERROR(
            output.add(backend_.current_key(), s.start, s.end, s.acc, WindowRowKind::kPartial));
  }
  changes_->clear();
  return Status::ok();
}

Status SessionStore::add_timers_from_state(const std::vector<RestoredKeyGroups>& /*restored*/) {
  // Each key's timer is in its state (next_end); fired sessions kept for
  // allowed_lateness say so, so a late record after a restore updates them.
  Status shape;
  sessions_.for_each([&](int32_t kg, const std::string& key, int64_t, SessionSet& v) {
    for (const Session& s : v.sessions)
      if (shape.is_ok()) shape = aggregates_.check_restored(s.acc);
    timers_.add(v.next_end, kg, key);
  });
  return shape;
}

}  // namespace eddy
