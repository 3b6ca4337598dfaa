// Key groups: the unit of keyed-state ownership and rescaling, as in Flink.
// key_group = hash(key) % max_parallelism; subtask i of n owns a contiguous range.
// Used by the hash partitioner now and by keyed state later.
#pragma once

#include <cstdint>

namespace eddy {

struct KeyGroupRange {
  int32_t start = 0;  // inclusive
  int32_t end = -1;   // inclusive; empty when end < start
  bool contains(int32_t kg) const { return kg >= start && kg <= end; }
  int32_t size() const { return end >= start ? end - start + 1 : 0; }
};

inline int32_t key_group_for_hash(uint64_t hash, int32_t max_parallelism) {
  return static_cast<int32_t>(hash % static_cast<uint64_t>(max_parallelism));
}

/// The key groups owned by subtask `index` of `parallelism` (Flink's split).
inline KeyGroupRange key_group_range_for_subtask(int32_t max_parallelism, int32_t parallelism,
                                                 int32_t index) {
  const int64_t mp = max_parallelism, p = parallelism, i = index;
  return KeyGroupRange{static_cast<int32_t>((i * mp + p - 1) / p),
                       static_cast<int32_t>(((i + 1) * mp - 1) / p)};
}

/// The subtask that owns key group `kg`; inverse of key_group_range_for_subtask.
inline int32_t subtask_for_key_group(int32_t max_parallelism, int32_t parallelism, int32_t kg) {
  return static_cast<int32_t>(static_cast<int64_t>(kg) * parallelism / max_parallelism);
}

}  // namespace eddy
