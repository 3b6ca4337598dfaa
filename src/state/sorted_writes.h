// Puts and deletes collected in any order and added to a RocksDB write batch
// in key order. RocksDB's memtable is a skip list that remembers where the
// last insert went: ascending inserts cost a few compares each, random ones a
// search that misses the CPU cache at every level (about ten times slower at
// a few million keys). Used when the state cache writes its dirty keys.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "state/rocksdb_store.h"

namespace eddy {

class SortedWrites {
 public:
  void put(std::string_view key, std::string_view value) { add(key, value, false); }
  void remove(std::string_view key) { add(key, {}, true); }
  size_t size() const { return items_.size(); }

  /// Calls f(key, value, is_remove) for everything, ascending by key (memcmp
  /// order, RocksDB's), then forgets it.
  void drain(const std::function<void(std::string_view, std::string_view, bool)>& f);
  /// drain() into `batch`.
  void move_into(RocksDbStore::Batch& batch);

 private:
  struct Item {
    uint64_t head;  // key bytes [0, 8) and [8, 16) big-endian, zero-padded:
    uint64_t next;  // most comparisons end here, without touching the arena
    uint64_t offset;
    uint32_t key_size;
    uint32_t value_size;
    bool remove;
  };
  void add(std::string_view key, std::string_view value, bool remove);

  std::string arena_;  // key bytes, then value bytes, per item
  std::vector<Item> items_;
};

}  // namespace eddy
