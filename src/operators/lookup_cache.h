// LookupCache: Flink's PARTIAL lookup cache for a lookup join against an
// external table: key bytes -> the table rows found for the key (an empty list
// for a key the table lacks, when misses are cached), least recently used
// evicted beyond max_rows keys, entries expiring a fixed time after they were
// written or last read. Owned by one AsyncLookupJoinOperator (its thread
// only); the clock is passed in, so tests drive time by hand.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "connectors/lookup_options.h"

namespace eddy {

/// The table rows of one key, each as join_row_bytes of the table side.
using LookupRows = std::shared_ptr<const std::vector<std::string>>;

class LookupCache {
 public:
  explicit LookupCache(LookupCacheOptions options) : options_(options) {}

  bool enabled() const { return options_.mode == LookupCacheMode::kPartial; }
  /// The rows cached for `key` at time `now_ms`, or null (a miss: never
  /// cached, evicted or expired). A hit refreshes the key's LRU place and its
  /// access time.
  LookupRows get(const std::string& key, int64_t now_ms);
  /// Caches `rows` for `key` at `now_ms` (replacing what was there); an empty
  /// list is kept only when cache_missing_key. Evicts the least recently used
  /// keys beyond max_rows.
  void put(const std::string& key, LookupRows rows, int64_t now_ms);
  size_t size() const { return index_.size(); }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string key;
    LookupRows rows;
    int64_t written_ms = 0, accessed_ms = 0;
  };
  bool expired(const Entry& e, int64_t now_ms) const;

  LookupCacheOptions options_;
  std::list<Entry> lru_;  // most recently used first
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t evictions_ = 0;
};

}  // namespace eddy
