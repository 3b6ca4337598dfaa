// The windows a window join has pending: every (window end, key) to fire when
// the watermark passes it, in time order. Held in memory (timers are not
// state): the operator rebuilds it from keyed state on restore. Used by
// WindowJoinOperator. (The interval join's expiry is join_expiry_index.h.)
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace eddy {

class JoinCleanupQueue {
 public:
  void schedule(int64_t at, int32_t key_group, const std::string& key) { queue_.emplace(at, key_group, key); }

  /// Removes and returns the first entry due at or before `through`; false: none.
  bool pop_due(int64_t through, int64_t& at, int32_t& key_group, std::string& key) {
    if (queue_.empty() || std::get<0>(*queue_.begin()) > through) return false;
    auto node = queue_.extract(queue_.begin());
    std::tie(at, key_group, key) = std::move(node.value());
    return true;
  }

  size_t size() const { return queue_.size(); }
  void clear() { queue_.clear(); }

 private:
  std::set<std::tuple<int64_t, int32_t, std::string>> queue_;
};

}  // namespace eddy
