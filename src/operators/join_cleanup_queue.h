// The event-time work a join has pending per key: when an interval join's rows
// of a key expire, or a window join's window of a key fires. Held in memory
// (timers are not state): the operator rebuilds it from keyed state on restore.
// Used by IntervalJoinOperator and WindowJoinOperator.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace eddy {

class JoinCleanupQueue {
 public:
  /// kEarliestPerKey: one entry per key, its earliest time (the interval join
  /// looks for the next one after each cleanup). kEvery: every (time, key).
  enum class Mode { kEarliestPerKey, kEvery };
  explicit JoinCleanupQueue(Mode mode) : mode_(mode) {}

  void schedule(int64_t at, int32_t key_group, const std::string& key) {
    if (mode_ == Mode::kEarliestPerKey) {
      auto [it, fresh] = earliest_.try_emplace({key_group, key}, at);
      if (!fresh) {
        if (it->second <= at) return;
        queue_.erase({it->second, key_group, key});
        it->second = at;
      }
    }
    queue_.emplace(at, key_group, key);
  }

  /// Removes and returns the first entry due at or before `through`; false: none.
  bool pop_due(int64_t through, int64_t& at, int32_t& key_group, std::string& key) {
    if (queue_.empty() || std::get<0>(*queue_.begin()) > through) return false;
    auto node = queue_.extract(queue_.begin());
    std::tie(at, key_group, key) = std::move(node.value());
    if (mode_ == Mode::kEarliestPerKey) earliest_.erase({key_group, key});
    return true;
  }

  size_t size() const { return queue_.size(); }
  void clear() {
    queue_.clear();
    earliest_.clear();
  }

 private:
  Mode mode_;
  std::set<std::tuple<int64_t, int32_t, std::string>> queue_;
  std::map<std::pair<int32_t, std::string>, int64_t> earliest_;  // kEarliestPerKey
};

}  // namespace eddy
