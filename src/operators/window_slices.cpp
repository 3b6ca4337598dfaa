// SliceStore: one state lookup per key and batch, slices found from the back
// (records mostly arrive in time order, so their slice is the last one).
#include "operators/window_slices.h"

#include <algorithm>
#include <iterator>

#include "operators/changelog_rows.h"

namespace eddy {
namespace {

// How many keys ahead a firing asks for the table's slots, and for the nodes
// those slots point to: far enough for the misses to overlap, near enough
// for the lines to stay in cache.
constexpr size_t kSlotsAhead = 16;
constexpr size_t kNodesAhead = 8;

}  // namespace

SliceStore::SliceStore(SliceAssigner windows, KeyedStateBackend& backend,
                       TimerService* processing_timers, const AggregateEvaluator& aggregates,
                       WindowChanges* changes, int64_t lateness)
    : assigner_(windows),
      backend_(backend),
      processing_timers_(processing_timers),
      aggregates_(aggregates),
      changes_(changes),
      lateness_(lateness),
      state_(backend.value_state<KeySlices>("window_slices", Namespaces::kZeroOnly)) {}

WindowAccumulator& SliceStore::slice(KeySlices& state, int64_t slice_end) {
  auto& slices = state.slices;
  if (!slices.empty() && slices.back().end == slice_end) return slices.back().acc;
  auto it = std::lower_bound(slices.begin(), slices.end(), slice_end,
                             [](const Slice& s, int64_t e) { return s.end < e; });
  if (it != slices.end() && it->end == slice_end) return it->acc;
  it = slices.insert(it, Slice{slice_end, aggregates_.make()});
  // A slice is only ever new to a key once: it goes from the key's state when
  // its last window fires, and then a record for it is late.
  if (keys_.add(slice_end, backend_.current_key_group(), backend_.current_key()))
    register_windows_of(slice_end);
  return it->acc;
}

void SliceStore::register_windows_of(int64_t slice_end) {
  if (processing_timers_ == nullptr) return;
  int64_t end = assigner_.first_window_end_of_slice(slice_end);
  if (end <= registered_) end = registered_ + assigner_.slide();
  const int64_t last = assigner_.last_window_end_of_slice(slice_end);
  for (; end <= last; end += assigner_.slide()) processing_timers_->register_processing_timer(end);
  registered_ = std::max(registered_, last);
}

Status SliceStore::add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows,
                       size_t n, WindowOutput& output) {
  KeySlices& state = state_.get_or_create(0);
  std::vector<int64_t>* changed = changes_ != nullptr ? &changes_->current() : nullptr;
  const int64_t fired = fired_for_current_key();
  size_t k = 0;
  while (k < n) {
    const int64_t end = assigner_.slice_end(times[rows[k]]);
    size_t j = k + 1;
    while (j < n && assigner_.slice_end(times[rows[j]]) == end) ++j;
    // Without allowed_lateness a record for a window that fired (in the run
    // before a restore, where its key was) changes nothing of it.
    if (lateness_ > 0 && fired != INT64_MIN && assigner_.first_window_end_of_slice(end) <= fired) {
      EDDY_RETURN_IF_ERROR(update_fired(state, end, fired, batch, rows + k, j - k, output));
    } else {
      aggregates_.update(slice(state, end), batch, rows + k, j - k);
      if (changed != nullptr) WindowChanges::mark(*changed, end);
    }
    k = j;
  }
  return Status::ok();
}

std::pair<const Slice*, const Slice*> SliceStore::window_slices(const KeySlices& state,
                                                                int64_t end) const {
  const int64_t first_slice = assigner_.first_slice_end(end);
  const Slice* first = state.slices.data();
  const Slice* const stop = first + state.slices.size();
  while (first != stop && first->end < first_slice) ++first;
  const Slice* last = first;
  while (last != stop && last->end <= end) ++last;
  return {first, last};
}

Status SliceStore::update_fired(KeySlices& state, int64_t slice_end, int64_t fired,
                                const RecordBatch& batch, const uint32_t* rows, size_t n,
                                WindowOutput& output) {
  // The fired windows of the slice not yet past their lateness (the record
  // is not late, so its last window is not); their slices are all kept. After
  // a restore, where the key's subtask had fired further, by its own count.
  int64_t end = assigner_.first_window_end_of_slice(slice_end);
  const int64_t kept_after = std::max(cleaned_, saturating_add(fired, -lateness_));
  if (kept_after != INT64_MIN) end = std::max(end, assigner_.first_window_end_after(kept_after));
  const int64_t last = std::min(fired, assigner_.last_window_end_of_slice(slice_end));
  updated_ends_.clear();
  before_.clear();
  for (; end <= last; end += assigner_.slide()) {
    const auto [first, stop] = window_slices(state, end);
    updated_ends_.push_back(end);
    // None: the window had no row (no record of the key), so it gets its first.
    before_.push_back(first == stop ? std::nullopt : std::optional<WindowAccumulator>(combine(first, stop)));
  }
  aggregates_.update(slice(state, slice_end), batch, rows, n);
  const std::string& key = backend_.current_key();
  for (size_t i = 0; i < updated_ends_.size(); ++i) {
    const int64_t e = updated_ends_[i];
    const auto [first, stop] = window_slices(state, e);
    const WindowAccumulator& now = combine(first, stop);
    const int64_t start = assigner_.window_start(e);
    if (!before_[i]) {
      EDDY_RETURN_IF_ERROR(output.add_change(kOpInsert, key, start, e, now));
      continue;
    }
    EDDY_RETURN_IF_ERROR(output.add_change(kOpUpdateBefore, key, start, e, *before_[i]));
    EDDY_RETURN_IF_ERROR(output.add_change(kOpUpdateAfter, key, start, e, now));
  }
  return Status::ok();
}

const WindowAccumulator& SliceStore::combine(const Slice* first, const Slice* last) {
  if (last - first == 1) return first->acc;
  merged_ = first->acc;
  for (const Slice* s = first + 1; s != last; ++s) aggregates_.merge(merged_, s->acc);
  return merged_;
}

int64_t SliceStore::fired_for_current_key() const {
  if (restored_fired_.empty()) return fired_;
  const size_t i = static_cast<size_t>(backend_.current_key_group() - backend_.key_groups().start);
  return std::max(fired_, restored_fired_[i]);
}

Status SliceStore::fire_window(KeySlices& state, int64_t end, WindowOutput& output) {
  auto& slices = state.slices;
  const auto [first, last] = window_slices(state, end);
  if (first != last && end > fired_for_current_key())
    EDDY_RETURN_IF_ERROR(output.add(backend_.current_key(), assigner_.window_start(end), end,
                                    combine(first, last)));
  // Slices whose last window this was form a prefix: last windows ascend with
  // slice ends. With allowed_lateness they stay until it is past its lateness.
  const int64_t drop = std::min(end, cleaned_);
  auto keep = slices.begin();
  while (keep != slices.end() && assigner_.last_window_end_of_slice(keep->end) <= drop) ++keep;
  slices.erase(slices.begin(), keep);
  return Status::ok();
}

Status SliceStore::fire_key(const TimerKey& k, int64_t slice_end, int64_t last_end, WindowOutput& output) {
  backend_.set_current_key(k.key, k.key_group);
  KeySlices* state = state_.get(0);
  if (state == nullptr) return Status::ok();
  // Fire from the list of the key's last slice due only.
  auto& slices = state->slices;
  auto last = std::upper_bound(slices.begin(), slices.end(), last_end,
                               [](int64_t e, const Slice& s) { return e < s.end; });
  if (last == slices.begin() || std::prev(last)->end != slice_end) return Status::ok();
  // Its windows in end order, from the first not fired here, jumping over
  // those without a slice. Windows that fired before a restore are walked too
  // (fire_window emits nothing for them), so the slices they end are dropped.
  int64_t end = assigner_.first_window_end_of_slice(slices.front().end);
  if (fired_ != INT64_MIN) end = std::max(end, assigner_.first_window_end_after(fired_));
  while (end <= last_end) {
    EDDY_RETURN_IF_ERROR(fire_window(*state, end, output));
    if (slices.empty()) {
      state_.clear(0);
      if (changes_ != nullptr) changes_->clear();
      break;
    }
    end = std::max(end + assigner_.slide(), assigner_.first_window_end_of_slice(slices.front().end));
  }
  return Status::ok();
}

int64_t SliceStore::window_end_through(int64_t t) const {
  // At the end of input, window ends near INT64_MAX do not exist: the last
  // window holding a slice is the last one.
  const int64_t last_slice_window = assigner_.last_window_end_of_slice(keys_.latest());
  return t >= last_slice_window ? last_slice_window : assigner_.first_window_end_after(t) - assigner_.slide();
}

Status SliceStore::fire_through(int64_t through, int64_t cleanup_through, WindowOutput& output,
                                Collector& out) {
  // Without allowed_lateness a firing drops the slices it ends as it goes;
  // with it (or while windows that fired are kept) a pass of its own does.
  const bool kept = cleaned_ < fired_;
  cleaned_ = std::max(cleaned_, cleanup_through);
  const bool clean_apart = kept || cleaned_ < through;
  EDDY_RETURN_IF_ERROR(emit_through(through, !clean_apart, output, out));
  return clean_apart ? clean_through(cleaned_) : Status::ok();
}

Status SliceStore::emit_through(int64_t through, bool drop_lists, WindowOutput& output, Collector& out) {
  // The first window due: the first after those fired that holds a slice.
  int64_t first_end = INT64_MIN;
  bool due = !keys_.empty() && through > fired_;
  if (due) {
    first_end = assigner_.first_window_end_of_slice(keys_.earliest());
    if (fired_ != INT64_MIN) first_end = std::max(first_end, assigner_.first_window_end_after(fired_));
    due = first_end <= through;
  }
  if (!due) {  // most watermarks fire nothing
    fired_ = std::max(fired_, through);
    return Status::ok();
  }
  const int64_t last_end = window_end_through(through);
  // Key by key, as a key's due windows fire at once (one state lookup, where
  // a watermark that jumps or the end of input makes many due). A key is in
  // the list of each of its slices and fires from that of its last slice due,
  // the lists walked latest first. Lists of slices before the first window
  // due hold keys with nothing due (slices kept for allowed_lateness).
  EDDY_RETURN_IF_ERROR(keys_.for_each_latest_first(
      assigner_.first_slice_end(first_end), last_end,
      [&](int64_t slice_end, const std::vector<TimerKey>& keys) -> Status {
        for (size_t i = 0; i < keys.size(); ++i) {
          // A list holds millions of keys at a time: have the next ones on their way.
          if (i + kSlotsAhead < keys.size())
            state_.prefetch(keys[i + kSlotsAhead].key, keys[i + kSlotsAhead].key_group, false);
          if (i + kNodesAhead < keys.size())
            state_.prefetch(keys[i + kNodesAhead].key, keys[i + kNodesAhead].key_group, true);
          EDDY_RETURN_IF_ERROR(fire_key(keys[i], slice_end, last_end, output));
          EDDY_RETURN_IF_ERROR(output.emit_if_full(out));
        }
        return Status::ok();
      }));
  // The slices whose last window has fired: none of their keys holds them now.
  if (drop_lists) keys_.drop_through(assigner_.last_slice_done_by(last_end));
  fired_ = through;
  return Status::ok();
}

Status SliceStore::clean_through(int64_t cleanup) {
  if (keys_.empty() || cleanup == INT64_MIN) return Status::ok();
  const int64_t last_end = window_end_through(cleanup);
  const int64_t last_slice = assigner_.last_slice_done_by(last_end);
  EDDY_RETURN_IF_ERROR(keys_.for_each_latest_first(
      INT64_MIN, last_slice, [&](int64_t, const std::vector<TimerKey>& keys) -> Status {
        for (const TimerKey& k : keys) {
          backend_.set_current_key(k.key, k.key_group);
          KeySlices* state = state_.get(0);
          if (state == nullptr) continue;
          auto& slices = state->slices;
          auto keep = slices.begin();
          while (keep != slices.end() && assigner_.last_window_end_of_slice(keep->end) <= last_end) ++keep;
          slices.erase(slices.begin(), keep);
          if (slices.empty()) state_.clear(0);
        }
        return Status::ok();
      }));
  keys_.drop_through(last_slice);
  return Status::ok();
}

Status SliceStore::emit_changed(WindowOutput& output) {
  const std::vector<int64_t>* changed = changes_ != nullptr ? changes_->find() : nullptr;
  if (changed == nullptr) return Status::ok();
  KeySlices* state = state_.get(0);
  if (state != nullptr && !state->slices.empty()) {
    // Walk the open windows in end order, jumping over those without a slice.
    // Changed ends of slices gone since are before all of them, so they match none.
    const Slice* first = state->slices.data();
    const Slice* const stop = first + state->slices.size();
    const int64_t fired = fired_for_current_key();
    int64_t end = assigner_.first_window_end_of_slice(first->end);
    if (fired != INT64_MIN) end = std::max(end, assigner_.first_window_end_after(fired));
    for (;;) {
      const int64_t first_slice = assigner_.first_slice_end(end);
      while (first != stop && first->end < first_slice) ++first;
      if (first == stop) break;
      if (first->end > end) {
        end = assigner_.first_window_end_of_slice(first->end);
        continue;
      }
      const Slice* last = first;
      while (last != stop && last->end <= end) ++last;
      if (WindowChanges::any_between(*changed, first_slice, end))
        EDDY_RETURN_IF_ERROR(output.add(backend_.current_key(), assigner_.window_start(end), end,
                                        combine(first, last), WindowRowKind::kPartial));
      end += assigner_.slide();
    }
  }
  changes_->clear();
  return Status::ok();
}

Status SliceStore::add_timers_from_state(const std::vector<RestoredKeyGroups>& restored) {
  keys_.clear();
  const KeyGroupRange mine = backend_.key_groups();
  restored_fired_.clear();
  if (!restored.empty())
    restored_fired_.assign(static_cast<size_t>(std::max(0, mine.end - mine.start + 1)), INT64_MIN);
  for (const RestoredKeyGroups& r : restored)
    for (int32_t kg = std::max(r.key_groups.start, mine.start); kg <= std::min(r.key_groups.end, mine.end); ++kg)
      restored_fired_[static_cast<size_t>(kg - mine.start)] = r.timers_fired_through;
  Status shape;
  state_.for_each([&](int32_t kg, const std::string& key, int64_t, KeySlices& v) {
    for (const Slice& s : v.slices) {
      if (shape.is_ok()) shape = check_restored(s);
      if (keys_.add(s.end, kg, key)) register_windows_of(s.end);
    }
  });
  return shape;
}

Status SliceStore::check_restored(const Slice& s) const {
  // Slices are epoch-aligned: an end off the grid is a slice of another window length.
  if (s.end % assigner_.slice() != 0)
    return Status::invalid("the state holds a slice ending at " + std::to_string(s.end) +
                           " ms, which is no slice end of this window (slices of " +
                           std::to_string(assigner_.slice()) + " ms): it was taken by a window of another size or slide");
  return aggregates_.check_restored(s.acc);
}

}  // namespace eddy
