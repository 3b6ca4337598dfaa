// SliceStore: one state lookup per key and batch, slices found from the back
// (records mostly arrive in time order, so their slice is the last one).
#include "operators/window_slices.h"

#include <algorithm>

namespace eddy {

SliceStore::SliceStore(int64_t size, int64_t slide, KeyedStateBackend& backend,
                       WindowTimers& timers, const AggregateEvaluator& aggregates,
                       WindowChanges* changes)
    : assigner_(size, slide),
      backend_(backend),
      timers_(timers),
      aggregates_(aggregates),
      changes_(changes),
      state_(backend.value_state<KeySlices>("window_slices")) {}

WindowAccumulator& SliceStore::slice(KeySlices& state, int64_t slice_end, int64_t fired_through) {
  auto& slices = state.slices;
  if (!slices.empty() && slices.back().end == slice_end) return slices.back().acc;
  auto it = std::lower_bound(slices.begin(), slices.end(), slice_end,
                             [](const Slice& s, int64_t e) { return s.end < e; });
  if (it != slices.end() && it->end == slice_end) return it->acc;
  const bool had_timer = !slices.empty();
  it = slices.insert(it, Slice{slice_end, aggregates_.make()});
  // With allowed lateness a record may join a slice some of whose windows have
  // fired already; those never fire again, so its first window is the first
  // one still open. The record is not late, so there is one.
  int64_t first = assigner_.first_window_end_of_slice(slice_end);
  if (first <= fired_through) first = assigner_.first_window_end_after(fired_through);
  if (!had_timer || first < state.next_window) {
    state.next_window = first;
    timers_.add(first);
  }
  return it->acc;
}

void SliceStore::add(const RecordBatch& batch, const int64_t* times, const uint32_t* rows,
                     size_t n, int64_t fired_through) {
  KeySlices& state = state_.get_or_create(0);
  std::vector<int64_t>* changed = changes_ != nullptr ? &changes_->current() : nullptr;
  size_t k = 0;
  while (k < n) {
    const int64_t end = assigner_.slice_end(times[rows[k]]);
    size_t j = k + 1;
    while (j < n && assigner_.slice_end(times[rows[j]]) == end) ++j;
    aggregates_.update(slice(state, end, fired_through), batch, rows + k, j - k);
    if (changed != nullptr) WindowChanges::mark(*changed, end);
    k = j;
  }
}

const WindowAccumulator& SliceStore::combine(const Slice* first, const Slice* last) {
  if (last - first == 1) return first->acc;
  merged_ = first->acc;
  for (const Slice* s = first + 1; s != last; ++s) aggregates_.merge(merged_, s->acc);
  return merged_;
}

Status SliceStore::fire_window(KeySlices& state, int64_t end, WindowOutput& output) {
  auto& slices = state.slices;
  const int64_t first_slice = assigner_.first_slice_end(end);
  const Slice* first = slices.data();
  const Slice* const stop = first + slices.size();
  while (first != stop && first->end < first_slice) ++first;
  const Slice* last = first;
  while (last != stop && last->end <= end) ++last;
  if (first != last)
    EDDY_RETURN_IF_ERROR(output.add(backend_.current_key(), assigner_.window_start(end), end,
                                    combine(first, last)));
  // Slices whose last window this was form a prefix: last windows ascend with slice ends.
  auto keep = slices.begin();
  while (keep != slices.end() && assigner_.last_window_end_of_slice(keep->end) <= end) ++keep;
  slices.erase(slices.begin(), keep);
  return Status::ok();
}

Status SliceStore::fire(int64_t end, int64_t through, WindowOutput& output) {
  KeySlices* state = state_.get(0);
  if (state == nullptr || state->next_window != end) return Status::ok();  // a stale timer
  while (state->next_window <= through) {
    const int64_t window = state->next_window;
    EDDY_RETURN_IF_ERROR(fire_window(*state, window, output));
    if (state->slices.empty()) {
      state_.clear(0);
      if (changes_ != nullptr) changes_->clear();
      return Status::ok();
    }
    // The next window holding a slice: every later window of the first slice holds it.
    state->next_window = std::max(window + assigner_.slide(),
                                  assigner_.first_window_end_of_slice(state->slices.front().end));
  }
  timers_.add(state->next_window);
  return Status::ok();
}

Status SliceStore::emit_changed(WindowOutput& output) {
  const std::vector<int64_t>* changed = changes_ != nullptr ? changes_->find() : nullptr;
  if (changed == nullptr) return Status::ok();
  KeySlices* state = state_.get(0);
  if (state != nullptr) {
    // Every window from next_window on is open (those before fired): walk
    // them in end order, jumping over those without a slice. Changed ends of
    // slices gone since are before all of them, so they match none.
    const Slice* first = state->slices.data();
    const Slice* const stop = first + state->slices.size();
    int64_t end = state->next_window;
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

void SliceStore::add_timers_from_state() {
  state_.for_each([&](int32_t kg, const std::string& key, int64_t, KeySlices& v) {
    timers_.add(v.next_window, kg, key);
  });
}

}  // namespace eddy
