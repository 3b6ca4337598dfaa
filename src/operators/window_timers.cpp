// WindowTimers: a map from window end to the keys waiting for it.
#include "operators/window_timers.h"

namespace eddy {

WindowTimers::WindowTimers(const KeyedStateBackend& backend, TimerService* processing_timers)
    : backend_(backend), processing_timers_(processing_timers) {}

void WindowTimers::add(int64_t end, int32_t key_group, const std::string& key) {
  auto [it, fresh] = index_.try_emplace(end);
  it->second.push_back(TimerKey{key_group, key});
  if (fresh && processing_timers_ != nullptr) processing_timers_->register_processing_timer(end);
}

int64_t WindowTimers::pop_earliest(std::vector<TimerKey>& keys) {
  auto it = index_.begin();
  const int64_t end = it->first;
  keys = std::move(it->second);
  index_.erase(it);
  return end;
}

}  // namespace eddy
