// WindowChanges: a sorted vector of ids per key, appended to at the back in
// the common case of records arriving in time order.
#include "operators/window_changes.h"

#include <algorithm>

namespace eddy {

WindowChanges::WindowChanges(KeyedStateBackend& backend)
    : backend_(backend),
      state_(backend.value_state<std::vector<int64_t>>("window_changes", Namespaces::kZeroOnly)) {}

std::vector<int64_t>& WindowChanges::current() {
  std::vector<int64_t>& changed = state_.get_or_create(0);
  // An entry is never left empty, so an empty one was just created.
  if (changed.empty()) keys_.push_back(TimerKey{backend_.current_key_group(), backend_.current_key()});
  return changed;
}

void WindowChanges::mark(std::vector<int64_t>& changed, int64_t id) {
  if (changed.empty() || changed.back() < id) {
    changed.push_back(id);
    return;
  }
  auto it = std::lower_bound(changed.begin(), changed.end(), id);
  if (*it != id) changed.insert(it, id);
}

bool WindowChanges::any_between(const std::vector<int64_t>& changed, int64_t lo, int64_t hi) {
  auto it = std::lower_bound(changed.begin(), changed.end(), lo);
  return it != changed.end() && *it <= hi;
}

void WindowChanges::take_keys(std::vector<TimerKey>& keys) {
  keys.clear();
  keys.swap(keys_);
}

void WindowChanges::add_keys_from_state() {
  keys_.clear();
  state_.for_each([&](int32_t kg, const std::string& key, int64_t, std::vector<int64_t>&) {
    keys_.push_back(TimerKey{kg, key});
  });
}

}  // namespace eddy
